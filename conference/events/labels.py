from flask_babel import lazy_gettext as _l

# The zones an event in Russia is held in, west to east, as people there name them: a place and the offset from
# Moscow time. Organizers pick one of them.
TIME_ZONE_LABELS = {
    "Europe/Kaliningrad": _l("Kaliningrad (MSK−1)"),
    "Europe/Moscow": _l("Moscow (MSK)"),
    "Europe/Samara": _l("Samara (MSK+1)"),
    "Asia/Yekaterinburg": _l("Yekaterinburg (MSK+2)"),
    "Asia/Omsk": _l("Omsk (MSK+3)"),
    "Asia/Novosibirsk": _l("Novosibirsk (MSK+4)"),
    "Asia/Krasnoyarsk": _l("Krasnoyarsk (MSK+4)"),
    "Asia/Irkutsk": _l("Irkutsk (MSK+5)"),
    "Asia/Yakutsk": _l("Yakutsk (MSK+6)"),
    "Asia/Vladivostok": _l("Vladivostok (MSK+7)"),
    "Asia/Sakhalin": _l("Sakhalin (MSK+8)"),
    "Asia/Magadan": _l("Magadan (MSK+8)"),
    "Asia/Kamchatka": _l("Kamchatka (MSK+9)"),
}
