"""How kinds of organization read in the report's opening sentence: «представители промышленных кластеров,
технопарков, …» (genitive plural), by organization type code. A type an organizer adds reads as its name."""

from flask_babel import lazy_gettext as _l

ORGANIZATION_GROUPS = {
    "authorities": _l("federal and regional authorities"),
    "federal_authority": _l("federal authorities"),
    "regional_authority": _l("regional authorities"),
    "industrial_cluster": _l("industrial clusters"),
    "technopark": _l("technoparks"),
    "special_economic_zone": _l("special economic zones"),
    "regional_development_corporation": _l("regional development corporations"),
    "industrial_enterprise": _l("industrial enterprises"),
    "development_institution": _l("development institutions"),
    "bank": _l("banks"),
    "business_association": _l("business associations"),
    "university_research": _l("universities and research organizations"),
    "media": _l("the media"),
}
