"""Badge layouts as data: page and badge sizes in millimetres, how many badges a page holds, cut marks."""

import base64
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


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

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def margin_x(self) -> float:
        return (self.page_width - self.columns * self.badge_width) / 2

    @property
    def margin_y(self) -> float:
        return (self.page_height - self.rows * self.badge_height) / 2

    def cut_marks_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.cut_marks_svg().encode()).decode("ascii")

    def cut_marks_svg(self) -> str:
        """Short lines in the page margins in line with every cut, as one SVG for the page background:
        WeasyPrint parses an image once per document, where a dozen positioned boxes per page cost it dearly."""
        xs, ys = self.cut_lines()
        gap, width, height = 2, self.page_width, self.page_height
        lines = []
        for x in xs:
            lines += [(x, 0, x, self.margin_y - gap), (x, height - self.margin_y + gap, x, height)]
        for y in ys:
            lines += [(0, y, self.margin_x - gap, y), (width - self.margin_x + gap, y, width, y)]
        # One path rather than a <line> each: WeasyPrint draws the SVG again on every page, node by node.
        strokes = " ".join(f"M{a} {b}L{c} {d}" for a, b, c, d in lines)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
                f'viewBox="0 0 {width} {height}"><path stroke="#000" stroke-width="0.1" d="{strokes}"/></svg>')

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """Where the guillotine goes: x positions of vertical cuts and y positions of horizontal ones."""
        xs = [self.margin_x + column * self.badge_width for column in range(self.columns + 1)]
        ys = [self.margin_y + row * self.badge_height for row in range(self.rows + 1)]
        return xs, ys


LAYOUTS = {
    layout.key: layout for layout in (
        Layout("a6", _l("A6 badge, 105 × 148 mm"), 105, 148, 1, 1, 105, 148),
        # Four badges on A4, a little smaller than A6 so that the cut marks fall in the margins a printer can reach.
        Layout("a4x4", _l("A4 sheet of four badges with cut marks"), 210, 297, 2, 2, 98, 138, cut_marks=True),
        Layout("label-90x54", _l("Label 90 × 54 mm (label printers)"), 90, 54, 1, 1, 90, 54, compact=True),
    )
}
DEFAULT_LAYOUT = "a6"
