"""Badge layouts as data: page and badge sizes in millimetres, how many badges a page holds, cut marks."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from conference.pdf import Sheet

MM = 72 / 25.4  # PDF points in a millimetre


@dataclass(frozen=True)
class Layout:
    key: str
    title: object
    page_width: float
    page_height: float
    columns: int
    rows: int
    badge_width: float
    badge_height: float
    cut_marks: bool = False
    compact: bool = False  # a small label: QR beside the name rather than below it
    # Several badges to a page: each is drawn as an A6 badge, the same page as the A6 layout's, and placed on the
    # sheet scaled to the badge size. A badge drawn once (for its letter, say) is then printed in either layout.
    imposed: bool = False

    def __post_init__(self):
        if self.per_page > 1 and not self.imposed:  # a badge page is one badge (templates/badges/sheet.html)
            raise ValueError(f"layout {self.key}: several badges to a page are placed on it (imposed=True)")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def margin_x(self) -> float:
        return (self.page_width - self.columns * self.badge_width) / 2

    @property
    def margin_y(self) -> float:
        return (self.page_height - self.rows * self.badge_height) / 2

    def sheet(self) -> Sheet:
        """Where the badges go on a page of this layout, row by row from the top, and the cut marks drawn over
        them (PDF points from the bottom left)."""
        places = tuple((self.margin_x + column * self.badge_width, self.margin_y + row * self.badge_height)
                       for row in range(self.rows) for column in range(self.columns))
        return Sheet(self.page_width * MM, self.page_height * MM,
                     tuple((x * MM, (self.page_height - y - self.badge_height) * MM, (x + self.badge_width) * MM,
                            (self.page_height - y) * MM) for x, y in places),
                     self.cut_marks_pdf() if self.cut_marks else b"")

    def cut_marks_pdf(self) -> bytes:
        """Short lines in the page margins in line with every cut, as PDF drawing operators (0.1 mm wide)."""
        xs, ys = self.cut_lines()
        gap, width, height = 2, self.page_width, self.page_height
        lines = []
        for x in xs:
            lines += [(x, 0, x, self.margin_y - gap), (x, height - self.margin_y + gap, x, height)]
        for y in ys:
            lines += [(0, y, self.margin_x - gap, y), (width - self.margin_x + gap, y, width, y)]
        # Millimetres from the top left to points from the bottom left.
        strokes = " ".join(f"{a * MM:.2f} {(height - b) * MM:.2f} m {c * MM:.2f} {(height - d) * MM:.2f} l"
                           for a, b, c, d in lines)
        return f"q 0 G {0.1 * MM:.3f} w {strokes} S Q".encode()

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """Where the guillotine goes: x positions of vertical cuts and y positions of horizontal ones."""
        xs = [self.margin_x + column * self.badge_width for column in range(self.columns + 1)]
        ys = [self.margin_y + row * self.badge_height for row in range(self.rows + 1)]
        return xs, ys


LAYOUTS = {
    layout.key: layout for layout in (
        Layout("a6", _l("A6 badge, 105 × 148 mm"), 105, 148, 1, 1, 105, 148),
        # Four badges on A4, a little smaller than A6 so that the cut marks fall in the margins a printer can reach.
        # (98 × 138 mm is A6 scaled by 0.932, a tenth of a millimetre to spare across.)
        Layout("a4x4", _l("A4 sheet of four badges with cut marks"), 210, 297, 2, 2, 98, 138, cut_marks=True,
               imposed=True),
        Layout("label-90x54", _l("Label 90 × 54 mm (label printers)"), 90, 54, 1, 1, 90, 54, compact=True),
    )
}
DEFAULT_LAYOUT = "a6"
