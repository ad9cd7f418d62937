"""Reference data: what is loaded, and that organizers can edit it."""

from collections import Counter

from sqlalchemy import func, select

from conference.directories.models import Country, FederalDistrict, FederalSubject, OrganizationType
from conference.directories.services import load_reference_data
from conference.extensions import db

from .conftest import action


def test_every_federal_subject_of_article_65(ctx):
    subjects = db.session.scalars(select(FederalSubject)).all()
    assert len(subjects) == 89
    assert Counter(subject.kind for subject in subjects) == {
        "republic": 24, "krai": 9, "oblast": 48, "federal_city": 3, "autonomous_oblast": 1, "autonomous_okrug": 4}
    assert db.session.scalar(select(func.count()).select_from(FederalDistrict)) == 8
    by_code = {subject.code: subject for subject in subjects}
    assert by_code["SAK"].capital_ru == "Южно-Сахалинск" and by_code["SAK"].district.code == "FEFD"
    assert by_code["KGD"].capital_ru == "Калининград" and by_code["KGD"].district.code == "NWFD"
    assert min(subjects, key=lambda subject: subject.longitude).code == "KGD"
    assert max(subjects, key=lambda subject: subject.longitude).code == "CHU"
    assert by_code["MOW"].iso_code == "RU-MOW" and by_code["SEV"].iso_code is None
    assert all(41 < subject.latitude < 72 for subject in subjects)


def test_countries_have_russian_and_english_names(ctx):
    kazakhstan = db.session.scalar(select(Country).where(Country.code == "KZ"))
    assert (kazakhstan.name_ru, kazakhstan.name_en) == ("Казахстан", "Kazakhstan")
    codes = set(db.session.scalars(select(Country.code)))
    assert "RU" not in codes and "EU" not in codes and "UN" not in codes and len(codes) > 200


def test_organization_types_of_the_seed(ctx):
    codes = set(db.session.scalars(select(OrganizationType.code)))
    assert {"federal_authority", "regional_authority", "industrial_cluster", "technopark", "special_economic_zone",
            "regional_development_corporation", "industrial_enterprise", "development_institution", "bank",
            "business_association", "university_research", "media", "other"} == codes


def test_loading_again_adds_nothing_and_keeps_edits(ctx):
    subject = db.session.scalar(select(FederalSubject).where(FederalSubject.code == "SAK"))
    subject.capital_ru = "Южно-Сахалинск (ред.)"
    db.session.commit()
    assert set(load_reference_data().values()) == {0}
    assert db.session.scalar(select(FederalSubject.capital_ru).where(FederalSubject.code == "SAK")).endswith("(ред.)")


def test_organizers_edit_and_add_reference_rows(app, organizer_client):
    assert "Сахалинская область" in organizer_client.get("/manage/directories/subjects/").get_data(as_text=True)
    with action(app):
        technopark = db.session.scalar(select(OrganizationType).where(OrganizationType.code == "technopark"))
        row_id = technopark.id
    response = organizer_client.post(f"/manage/directories/organization-types/{row_id}", data={
        "code": "technopark", "name_ru": "Технопарк или индустриальный парк", "name_en": "Technopark",
        "sort_order": "3"})  # is_active unticked: no longer offered to new registrants
    assert response.status_code == 302
    with action(app):
        technopark = db.session.get(OrganizationType, row_id)
        assert technopark.name_ru == "Технопарк или индустриальный парк" and not technopark.is_active

    added = organizer_client.post("/manage/directories/countries/new",
                                  data={"code": "XK", "name_ru": "Косово", "name_en": "Kosovo"})
    assert added.status_code in (200, 302)
    duplicate = organizer_client.post("/manage/directories/countries/new",
                                      data={"code": "KZ", "name_ru": "Казахстан", "name_en": "Kazakhstan"})
    assert 'id="code-errors"' in duplicate.get_data(as_text=True)
    assert "Этот код уже занят другой записью." in duplicate.get_data(as_text=True)
    with action(app):
        moscow = db.session.scalar(select(FederalSubject).where(FederalSubject.code == "MOW"))
        iso_taken = {"code": "NEW", "iso_code": moscow.iso_code, "name_ru": "Новый", "name_en": "New",
                     "kind": "oblast", "district_id": str(moscow.district_id), "capital_ru": "Город",
                     "capital_en": "Town", "latitude": "55", "longitude": "37"}
    page = organizer_client.post("/manage/directories/subjects/new", data=iso_taken).get_data(as_text=True)
    assert 'id="iso_code-errors"' in page and "Этот код ISO уже занят другой записью." in page
    assert 'id="code-errors"' not in page  # «NEW» is free: only the ISO code is said to be taken
    bad = organizer_client.post("/manage/directories/subjects/new", data={
        "code": "NEW", "name_ru": "Новый", "name_en": "New", "kind": "oblast", "district_id": "1",
        "capital_ru": "Город", "capital_en": "Town", "latitude": "95", "longitude": "abc"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'id="latitude-errors"' in page and 'id="longitude-errors"' in page
    assert organizer_client.get("/manage/directories/planets/").status_code == 404


def test_an_order_left_empty_puts_the_row_with_those_of_order_zero(app, organizer_client):
    with action(app):
        row_id = db.session.scalar(select(OrganizationType.id).where(OrganizationType.code == "technopark"))
    response = organizer_client.post(f"/manage/directories/organization-types/{row_id}", data={
        "code": "technopark", "name_ru": "Технопарк", "name_en": "Technopark", "sort_order": "",
        "is_active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with action(app):
        saved = db.session.get(OrganizationType, row_id)
        assert (saved.name_ru, saved.sort_order) == ("Технопарк", 0)
