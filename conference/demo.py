"""The demo conference: «Промышленная Россия 4.0», Moscow, 23 November 2018 (see shared/seed).

Everything is generated from a fixed random seed, so every run of `flask demo` produces the same people.
"""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from .accounts.models import User
from .accounts.services import add_member
from .directories.models import FederalSubject, OrganizationType
from .events.models import Event
from .events.services import DEFAULT_CONSENT_TEXT, DEFAULT_CONSENT_TEXT_EN, publish_consent
from .extensions import db
from .registration.models import Participant, RegistrationStatus

DEMO_SLUG = "industrial-russia-2018"
DEMO_LOGINS = (
    ("organizer", "organizer@example.com", "demo-organizer"),
    ("checkin", "checkin@example.com", "demo-checkin"),
)
PARTICIPANT_COUNT = 590  # registered; about 550 confirmed and, as the seed says, more than 500 came
SUBJECT_COUNT = 66
EASTERNMOST, WESTERNMOST = "SAK", "KGD"  # «от Южно-Сахалинска до Калининграда»
# A 2018 event: subjects admitted later are left out; so are those east of Sakhalin, to keep it the easternmost.
LEFT_OUT = {"DPR", "LPR", "ZAP", "KHE", "CHU", "KAM", "MAG"}
HEAVY = {"MOW": 120, "MOS": 28, "SPE": 22, "TA": 16, "SVE": 10, "NIZ": 9}

MALE_FIRST = ["Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий", "Василий",
              "Виктор", "Владимир", "Дмитрий", "Евгений", "Игорь", "Илья", "Кирилл", "Константин", "Максим",
              "Михаил", "Никита", "Николай", "Олег", "Павел", "Роман", "Руслан", "Сергей", "Станислав",
              "Тимур", "Юрий", "Ярослав"]
FEMALE_FIRST = ["Анастасия", "Анна", "Валентина", "Вера", "Виктория", "Галина", "Дарья", "Екатерина", "Елена",
                "Ирина", "Ксения", "Лариса", "Любовь", "Марина", "Мария", "Наталья", "Нина", "Ольга",
                "Светлана", "Татьяна", "Юлия"]
FATHER_NAMES = [("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
                ("Борисович", "Борисовна"), ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"),
                ("Геннадьевич", "Геннадьевна"), ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"),
                ("Иванович", "Ивановна"), ("Игоревич", "Игоревна"), ("Михайлович", "Михайловна"),
                ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"), ("Петрович", "Петровна"),
                ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"), ("Анатольевич", "Анатольевна")]
LAST_NAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
              "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
              "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
              "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
              "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
              "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
              "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников",
              "Денисов", "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
              "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин",
              "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов",
              "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв",
              "Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов",
              "Никифоров", "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев",
              "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов",
              "Еремин", "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов",
              "Нестеров", "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов",
              "Воронов", "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков", "Савин", "Краснов", "Майоров",
              "Демидов", "Елисеев", "Рыбаков", "Сафонов", "Плотников", "Дёмин", "Хохлов", "Жданов", "Рябов",
              "Островский", "Вишневский", "Покровский", "Успенский", "Ковальский", "Шевченко", "Бондаренко",
              "Ткаченко", "Гарипов", "Хабибуллин", "Сафин", "Галиев", "Алиев", "Магомедов"]
WORDS = ["Композит", "Станкострой", "Фотоника", "Авиапром", "Техноград", "Инновация", "Прогресс", "Энергия",
         "Кристалл", "Вектор", "Импульс", "Меридиан", "Сплав", "Электрон", "Полимер", "Альтаир", "Синергия",
         "Навигатор", "Интеграл", "Содружество", "Титан", "Квант", "Гранит", "Рубин", "Союз", "Каскад"]
FIXED_ORGANIZATIONS = {
    "federal_authority": ["Министерство промышленности и торговли Российской Федерации",
                          "Министерство экономического развития Российской Федерации",
                          "Государственная Дума Федерального Собрания Российской Федерации",
                          "Федеральная антимонопольная служба"],
    "development_institution": ["Фонд развития промышленности", "Российский экспортный центр",
                                "Корпорация МСП", "Фонд содействия инновациям", "ВЭБ.РФ"],
    "bank": ["ПАО Сбербанк", "Банк ВТБ (ПАО)", "АО «Россельхозбанк»", "ПАО «Промсвязьбанк»", "АО «МСП Банк»"],
    "business_association": ["Ассоциация развития кластеров и технопарков России",
                             "Торгово-промышленная палата Российской Федерации", "Союз машиностроителей России",
                             "Общероссийская общественная организация «Деловая Россия»",
                             "Общероссийская общественная организация «ОПОРА РОССИИ»"],
    "media": ["Российская газета", "Журнал «Эксперт»", "ТАСС", "Интерфакс", "РБК"],
}
PATTERNS = {
    "regional_authority": ["Министерство промышленности и торговли ({region})",
                           "Министерство экономического развития ({region})",
                           "Департамент инвестиций и промышленности ({region})"],
    "industrial_cluster": ["Промышленный кластер «{word}»", "Ассоциация «Кластер {word}»"],
    "technopark": ["Технопарк «{word}»", "Индустриальный парк «{word}»"],
    "special_economic_zone": ["АО «ОЭЗ «{word}»", "ОЭЗ промышленно-производственного типа «{word}»"],
    "regional_development_corporation": ["АО «Корпорация развития ({region})»"],
    "industrial_enterprise": ["АО «{word}»", "ООО «{word}-Пром»", "ПАО «Завод {word}»",
                              "Федеральное государственное унитарное предприятие «Научно-производственное "
                              "объединение {word}»"],
    "university_research": ["Политехнический университет ({region})", "НИИ «{word}»"],
    "other": ["Консалтинговая группа «{word}»", "Инжиниринговый центр «{word}»"],
}
TYPE_WEIGHTS = {"industrial_enterprise": 26, "industrial_cluster": 14, "regional_authority": 12, "technopark": 11,
                "special_economic_zone": 6, "regional_development_corporation": 5, "federal_authority": 5,
                "development_institution": 5, "bank": 4, "business_association": 5, "university_research": 4,
                "media": 2, "other": 1}
POSITIONS = {
    "government": ["Министр", "Заместитель министра", "Директор департамента", "Начальник отдела", "Советник",
                   "Консультант"],
    "university_research": ["Ректор", "Проректор по научной работе", "Заведующий кафедрой", "Научный сотрудник"],
    "media": ["Корреспондент", "Редактор", "Обозреватель"],
    "business": ["Генеральный директор", "Заместитель генерального директора", "Директор по развитию",
                 "Руководитель проекта", "Начальник отдела", "Главный специалист", "Председатель правления",
                 "Исполнительный директор", "Главный инженер", "Ведущий эксперт"],
}
CATEGORY_COUNTS = {"speaker": 24, "moderator": 6, "press": 12, "vip": 10, "organizer": 8, "staff": 6}
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def transliterate(text: str) -> str:
    return "".join(TRANSLIT.get(char, char) for char in text.lower())


def feminine(last_name: str) -> str:
    if last_name.endswith("ский"):
        return last_name[:-2] + "ая"
    if last_name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return last_name + "а"
    return last_name  # Шевченко, Алиев… stay as they are only where Russian grammar keeps them


def pick_subjects(rng: random.Random) -> list[FederalSubject]:
    subjects = db.session.scalars(select(FederalSubject).order_by(FederalSubject.code)).all()
    fixed = [subject for subject in subjects if subject.code in {EASTERNMOST, WESTERNMOST, *HEAVY}]
    pool = [subject for subject in subjects if subject not in fixed and subject.code not in LEFT_OUT]
    return fixed + rng.sample(pool, SUBJECT_COUNT - len(fixed))


def seats_per_subject(rng: random.Random, subjects: list[FederalSubject]) -> list[FederalSubject]:
    """Who comes from where: the large industrial regions send many, every chosen subject sends at least two."""
    seats = []
    for subject in subjects:
        seats += [subject] * HEAVY.get(subject.code, 2)
    others = [subject for subject in subjects if subject.code not in HEAVY]
    while len(seats) < PARTICIPANT_COUNT:
        seats.append(rng.choice(others))
    rng.shuffle(seats)
    return seats


def position_kind(type_code: str) -> str:
    if type_code in ("federal_authority", "regional_authority"):
        return "government"
    return type_code if type_code in POSITIONS else "business"


def organization_for(rng: random.Random, type_code: str, subject: FederalSubject) -> str:
    if type_code in FIXED_ORGANIZATIONS:
        return rng.choice(FIXED_ORGANIZATIONS[type_code])
    return rng.choice(PATTERNS[type_code]).format(word=rng.choice(WORDS), region=subject.name_ru)


def create_demo() -> str:
    rng = random.Random(2018)
    event = Event(
        slug=DEMO_SLUG,
        title="Промышленная Россия 4.0",
        title_en="Industrial Russia 4.0",
        description=(
            "III Ежегодная практическая конференция «Промышленная Россия 4.0 — повышение конкурентоспособности "
            "регионов». Организатор — Ассоциация развития кластеров и технопарков России."
        ),
        description_en=(
            "The 3rd annual practical conference “Industrial Russia 4.0: making the regions more competitive”. "
            "Organized by the Association of Clusters and Technoparks of Russia."
        ),
        starts_on=date(2018, 11, 23),
        ends_on=date(2018, 11, 23),
        venue="",
        city="Москва",
        timezone="Europe/Moscow",
        # Opened in September 2018 and left open, so that a visitor of the demo can try registering.
        registration_opens_at=datetime(2018, 9, 3, 7, 0, tzinfo=UTC),
        registration_closes_at=None,
        capacity=600,
        moderation=True,
        consent_text=DEFAULT_CONSENT_TEXT,
        consent_text_en=DEFAULT_CONSENT_TEXT_EN,
        consent_version="2018-09",
        # The demo forum is long over: kept for 20 years, so that the daily retention job leaves the demo (and a
        # visitor's own trial registration) to be tried. A real event keeps the default 12 months.
        retention_months=240,
    )
    db.session.add(event)
    db.session.flush()
    consent = publish_consent(event)
    consent.published_at = event.registration_opens_at

    types = {kind.code: kind for kind in db.session.scalars(select(OrganizationType))}
    type_codes = list(TYPE_WEIGHTS)
    categories = [category for category, count in CATEGORY_COUNTS.items() for _ in range(count)]
    categories += ["participant"] * (PARTICIPANT_COUNT - len(categories))
    rng.shuffle(categories)
    seats = seats_per_subject(rng, pick_subjects(rng))
    for number, (subject, category) in enumerate(zip(seats, categories, strict=True), start=1):
        woman = rng.random() < 0.32
        last_name = rng.choice(LAST_NAMES)
        first_name = rng.choice(FEMALE_FIRST if woman else MALE_FIRST)
        patronymic = rng.choice(FATHER_NAMES)[1 if woman else 0]
        if woman:
            last_name = feminine(last_name)
        type_code = "media" if category == "press" else rng.choices(type_codes, weights=TYPE_WEIGHTS.values())[0]
        email = f"{transliterate(first_name)[0]}.{transliterate(last_name)}{number}@example.org"
        registered_at = datetime(2018, 9, 3, 7, 0, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 80 * 24 * 60))
        roll = rng.random()
        status = RegistrationStatus.CONFIRMED if roll < 0.93 else (
            RegistrationStatus.PENDING if roll < 0.97 else RegistrationStatus.CANCELLED)
        db.session.add(Participant(
            event_id=event.id, last_name=last_name, first_name=first_name, patronymic=patronymic, email=email,
            phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
            organization=organization_for(rng, type_code, subject), organization_type_id=types[type_code].id,
            position=rng.choice(POSITIONS[position_kind(type_code)]),
            subject_id=subject.id, city=subject.capital_ru, category=category, status=status, language="ru",
            category_set_by="registration" if category == "participant" else "organizer",
            consent_version=consent.version, consent_text_id=consent.id, consent_given_at=registered_at,
            created_at=registered_at, updated_at=registered_at, status_changed_at=registered_at,
        ))

    db.session.commit()
    create_demo_program(event, rng)

    for role, email, password in DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, role=role, full_name=f"Демо: {role}")
            user.set_password(password)
            db.session.add(user)
            db.session.flush()
        add_member(event.id, user)  # the demo's staff work on the demo event (access is per event)
    db.session.commit()
    create_demo_checkins(event, rng)
    create_demo_recommendations(event)
    return (f"Demo conference «{event.title}» created at /events/{event.slug}: {PARTICIPANT_COUNT} participants "
            f"from {SUBJECT_COUNT} federal subjects.")


# ---- the program of 23 November 2018 (from the seed), Moscow time ----------------------------------------

ROOMS = (
    # name, seats, floor, address (an off-site venue has one), name and address in English
    ("Фойе", 600, "1 этаж", "", "Foyer", ""),
    ("Большой зал", 500, "2 этаж", "", "Main hall", ""),
    ("Зал «Технопарк»", 120, "3 этаж", "", "Technopark hall", ""),
    ("Зал заседаний комитета Государственной Думы", 60, "", "Москва, ул. Охотный Ряд, д. 1",
     "State Duma committee meeting room", "1 Okhotny Ryad St., Moscow"),
)
COUNCIL = ("Выездное заседание Экспертного совета по импортозамещению при комитете Государственной Думы по "
           "экономической политике, промышленности, инновационному развитию и предпринимательству")
PROGRAM = (
    # start, end, kind, room, title, description, moderators, speakers
    ("09:00", "10:00", "break", 0, "Регистрация участников, приветственный кофе", "", 0, 0),
    ("10:00", "12:30", "plenary", 1,
     "Наращивание внутренней кооперации как основа для экспортного рывка российской промышленности", "", 1, 6),
    ("12:30", "13:30", "break", 0, "Обед", "", 0, 0),
    ("13:30", "16:30", "seminar", 2, "Эффективный технопарк: меры поддержки и практические решения",
     "Практический семинар для управляющих компаний технопарков и региональных команд.", 1, 4),
    ("14:00", "15:30", "expert_council", 3, COUNCIL,
     "Совмещено с проектной сессией «Инвестиционные ниши промышленных кластеров».", 1, 4),
    ("15:30", "17:00", "project_session", 3, "Инвестиционные ниши промышленных кластеров",
     "Проектная сессия, совмещённая с выездным заседанием Экспертного совета по импортозамещению.", 1, 3),
    ("17:00", "18:00", "awards", 1,
     "Награждение победителей II Национального рейтинга инвестиционной привлекательности особых экономических "
     "зон России и IV Национального рейтинга технопарков России", "", 1, 2),
    ("18:00", "19:30", "networking", 0, "Фуршет и деловое общение", "", 0, 0),
)


PROGRAM_IN_ENGLISH = {  # the English program's title and description of each session
    "Регистрация участников, приветственный кофе": ("Registration and welcome coffee", ""),
    "Наращивание внутренней кооперации как основа для экспортного рывка российской промышленности": (
        "Building domestic cooperation as the basis of an export breakthrough for Russian industry", ""),
    "Обед": ("Lunch", ""),
    "Эффективный технопарк: меры поддержки и практические решения": (
        "An effective technopark: support measures and practical solutions",
        "A practical seminar for technopark management companies and regional teams."),
    COUNCIL: ("Off-site meeting of the Expert Council on Import Substitution of the State Duma Committee on Economic "
              "Policy, Industry, Innovative Development and Entrepreneurship",
              "Combined with the project session «Investment niches of industrial clusters»."),
    "Инвестиционные ниши промышленных кластеров": (
        "Investment niches of industrial clusters",
        "A project session combined with the off-site meeting of the Expert Council on Import Substitution."),
    "Награждение победителей II Национального рейтинга инвестиционной привлекательности особых экономических "
    "зон России и IV Национального рейтинга технопарков России": (
        "Awards to the winners of the 2nd National Rating of the Investment Attractiveness of Russia's Special "
        "Economic Zones and the 4th National Rating of Russia's Technoparks", ""),
    "Фуршет и деловое общение": ("Buffet and networking", ""),
}


def create_demo_program(event: Event, rng: random.Random) -> None:
    from .agenda.models import AgendaSession, Room, SessionSignup, SignupStatus
    from .agenda.services import ExternalSpeaker, SessionData, save_session
    from .timeutil import local_to_utc

    rooms = []
    for order, (name, seats, floor, address, name_en, address_en) in enumerate(ROOMS):
        rooms.append(Room(event_id=event.id, name=name, capacity=seats, floor=floor, address=address,
                          sort_order=order, name_en=name_en, address_en=address_en))
    db.session.add_all(rooms)
    db.session.commit()

    def people(category: str) -> list[int]:
        return list(db.session.scalars(select(Participant.id).where(
            Participant.event_id == event.id, Participant.category == category,
            Participant.status == RegistrationStatus.CONFIRMED).order_by(Participant.id)))

    moderators, speakers = people("moderator"), people("speaker")
    sessions = []
    for start, end, kind, room, title, description, moderator_count, speaker_count in PROGRAM:
        day = event.starts_on.isoformat()
        data = SessionData(
            title=title, kind=kind, room_id=rooms[room].id, description=description,
            title_en=PROGRAM_IN_ENGLISH[title][0], description_en=PROGRAM_IN_ENGLISH[title][1],
            starts_at=local_to_utc(datetime.fromisoformat(f"{day}T{start}"), event.timezone),
            ends_at=local_to_utc(datetime.fromisoformat(f"{day}T{end}"), event.timezone),
            moderator_ids=[moderators.pop(0) for _ in range(moderator_count)],
            speaker_ids=[speakers.pop(0) for _ in range(speaker_count)],
        )
        if kind == "expert_council":
            data.external_speakers = [ExternalSpeaker("Орлова Наталья Викторовна", "Эксперт",
                                                      "Фонд развития промышленности", "Expert",
                                                      "Industrial Development Fund")]
        session = AgendaSession()
        save_session(event, session, data)
        sessions.append(session)

    by_kind = {session.kind: session for session in sessions}
    attendees = list(db.session.scalars(select(Participant).where(
        Participant.event_id == event.id, Participant.status == RegistrationStatus.CONFIRMED).order_by(Participant.id)))
    rng.shuffle(attendees)
    taken = Counter()
    for participant in attendees:
        choices = []
        if rng.random() < 0.65:
            choices.append(by_kind["plenary"])
        afternoon = rng.random()
        if afternoon < 0.3:
            choices.append(by_kind["seminar"])
        elif afternoon < 0.45:
            choices += [by_kind["expert_council"], by_kind["project_session"]]
        if rng.random() < 0.4:
            choices.append(by_kind["awards"])
        for session in choices:  # never overlapping; seats first come first served, then the waiting list
            taken[session.id] += 1
            status = SignupStatus.REGISTERED if taken[session.id] <= session.seats else SignupStatus.WAITING
            signed_at = participant.created_at + timedelta(days=rng.randint(0, 20))
            db.session.add(SessionSignup(session_id=session.id, participant_id=participant.id, status=status,
                                         created_at=min(signed_at, datetime(2018, 11, 22, 18, tzinfo=UTC))))
    db.session.commit()


# ---- the morning of 23 November 2018: arrivals and session attendance --------------------------------------

# Of those signed up for a session and present that day, the share who came into the room.
SESSION_TURNOUT = {"plenary": 0.9, "seminar": 0.82, "expert_council": 0.88, "project_session": 0.8, "awards": 0.7}


def create_demo_checkins(event: Event, rng: random.Random) -> None:
    """Badges for everyone confirmed; most of them arrive between 8:50 and 10:30 (a few after lunch); sessions
    fill from their sign-ups, with some walk-ins; the audit trail has the usual few refused scans."""

    from .agenda.models import AgendaSession, SessionSignup, SignupStatus
    from .badges.services import badges_in_force
    from .checkin.models import ENTRANCE, CheckIn, Scan, ScanOutcome
    from .checkin.services import Checkpoint, answer, participant_summary, stored_answer
    from .timeutil import local_to_utc

    staff = db.session.scalar(select(User).where(User.role == "checkin").order_by(User.id))
    people = list(db.session.scalars(select(Participant).where(Participant.event_id == event.id).order_by(
        Participant.id)))
    confirmed = [person for person in people if person.status == RegistrationStatus.CONFIRMED]
    badges = badges_in_force(confirmed)
    day = event.starts_on.isoformat()

    def moscow(clock: str) -> datetime:
        return local_to_utc(datetime.fromisoformat(f"{day}T{clock}"), event.timezone)

    def record(person, key, result, at, session=None, details=None, value=None, method="camera"):
        place = person.subject or person.country
        reply = answer(result, Checkpoint(key, session), participant_summary(person, place.name_ru, place.name_en),
                       details)
        db.session.add(Scan(event_id=event.id, nonce=f"demo-{len(scans)}", checkpoint=key, method=method,
                            scanned_value=value or badges[person.id].token, outcome=result, participant_id=person.id,
                            staff_id=staff.id if staff else None, scanned_at=at,
                            received_at=at + timedelta(seconds=rng.uniform(0.2, 1.5)),
                            answer=stored_answer(reply)))
        scans.append(result)

    scans: list[str] = []
    arrived: dict[int, datetime] = {}
    opening = moscow("08:50")
    first_of_region = {}  # the first confirmed person of each region comes, so every region of the seed is there
    for person in confirmed:
        first_of_region.setdefault(person.subject_id, person.id)
    for person in confirmed:
        if rng.random() > 0.95 and first_of_region[person.subject_id] != person.id:
            continue  # a no-show
        if rng.random() < 0.06:
            at = moscow("13:00") + timedelta(minutes=rng.uniform(0, 60))  # came for the afternoon
        else:
            at = opening + timedelta(minutes=min(100, max(0, rng.gauss(40, 22))))
        arrived[person.id] = at
        check_in = CheckIn(event_id=event.id, participant_id=person.id, checkpoint=ENTRANCE, checked_in_at=at,
                           staff_id=staff.id if staff else None)
        db.session.add(check_in)
        db.session.flush()
        details = {"id": check_in.id, "at": at.isoformat(), "checkpoint": ENTRANCE, "staff": staff.full_name
                   if staff else "", "device": ""}
        record(person, ENTRANCE, ScanOutcome.CHECKED_IN, at, details=details)
        if rng.random() < 0.04:  # shown twice at the door
            record(person, ENTRANCE, ScanOutcome.ALREADY_CHECKED_IN, at + timedelta(minutes=rng.uniform(1, 30)),
                   details=details)

    by_id = {person.id: person for person in people}
    # Refusals: two people whose registration was never approved, found by name at the desk, and three badges
    # of last year's forum.
    for person in [person for person in people if person.status == RegistrationStatus.PENDING][:2]:
        record(person, ENTRANCE, ScanOutcome.REGISTRATION_PENDING, opening + timedelta(minutes=rng.uniform(0, 90)),
               method="manual", value=f"#{person.id}")
    for _ in range(3):
        at = opening + timedelta(minutes=rng.uniform(0, 90))
        db.session.add(Scan(event_id=event.id, nonce=f"demo-{len(scans)}", checkpoint=ENTRANCE, method="camera",
                            scanned_value=f"{rng.randrange(10 ** 39, 10 ** 40)}", outcome=ScanOutcome.UNKNOWN_BADGE,
                            staff_id=staff.id if staff else None, scanned_at=at, received_at=at,
                            answer=stored_answer(answer(ScanOutcome.UNKNOWN_BADGE, Checkpoint(ENTRANCE), None, None))))
        scans.append(ScanOutcome.UNKNOWN_BADGE)

    sessions = list(db.session.scalars(select(AgendaSession).where(
        AgendaSession.event_id == event.id, AgendaSession.kind.in_(SESSION_TURNOUT))))
    signups = db.session.execute(select(SessionSignup.session_id, SessionSignup.participant_id).where(
        SessionSignup.status == SignupStatus.REGISTERED, SessionSignup.session_id.in_([s.id for s in sessions]))).all()
    signed = {(session_id, participant_id) for session_id, participant_id in signups}
    for session in sessions:
        key = f"session-{session.id}"
        present = [participant_id for participant_id in arrived if arrived[participant_id] < session.ends_at]
        seats = session.seats
        for participant_id in present:
            # Walk-ins only into the big hall: the off-site council and the seminar admit those signed up.
            walk_in = 0.04 if session.kind in ("plenary", "awards") else 0
            chance = SESSION_TURNOUT[session.kind] if (session.id, participant_id) in signed else walk_in
            if rng.random() >= chance or seats == 0:
                continue
            seats -= 1
            person = by_id[participant_id]
            at = max(arrived[participant_id] + timedelta(minutes=2),
                     session.starts_at - timedelta(minutes=rng.uniform(-5, 15)))
            check_in = CheckIn(event_id=event.id, participant_id=participant_id, checkpoint=key, session_id=session.id,
                               checked_in_at=at, staff_id=staff.id if staff else None)
            db.session.add(check_in)
            db.session.flush()
            record(person, key, ScanOutcome.CHECKED_IN, at, session, details={
                "id": check_in.id, "at": at.isoformat(), "checkpoint": key,
                "staff": staff.full_name if staff else "", "device": ""})
    db.session.commit()


# ---- the resolution adopted at the end of the day (the seed's three recommendations) -----------------------

DUMA_COMMITTEE = ("Комитет Государственной Думы по экономической политике, промышленности, инновационному развитию и "
                  "предпринимательству")
RECOMMENDATIONS = (
    # text, addressees, sessions (by kind), projects
    ("В целях вовлечения бизнеса в реализацию национальных проектов, направленных на достижение национальных целей "
     "развития Российской Федерации, Комитету Государственной Думы Федерального Собрания Российской Федерации по "
     "экономической политике, промышленности, инновационному развитию и предпринимательству и Ассоциации развития "
     "кластеров и технопарков России направить предложения в Правительство Российской Федерации и Министерство "
     "промышленности и торговли Российской Федерации о включении в федеральный проект «Промышленный экспорт» "
     "показателей и мероприятий, направленных на увеличение уровня локализации экспортной продукции, а также о "
     "продлении действия существующего механизма поддержки промышленных кластеров до 2024 года в целях поддержки "
     "совместных проектов по производству оборудования и комплектующих, необходимых для выпуска "
     "конкурентоспособной экспортно ориентированной промышленной продукции в рамках федерального проекта "
     "«Промышленный экспорт».",
     ("Правительство Российской Федерации", "Министерство промышленности и торговли Российской Федерации"),
     ("plenary", "expert_council"), ("Промышленный экспорт",)),
    ("Ассоциации развития кластеров и технопарков России по итогам рассмотрения инвестиционных ниш промышленных "
     "кластеров направить в Министерство промышленности и торговли Российской Федерации предложения по дальнейшему "
     "развитию механизма промышленных кластеров и реализации совместных проектов на базе выявленных инвестиционных "
     "ниш.",
     ("Министерство промышленности и торговли Российской Федерации",),
     ("project_session", "expert_council"), ("Промышленный экспорт",)),
    ("Ассоциации развития кластеров и технопарков России по итогам проведения практического семинара «Эффективный "
     "технопарк: меры поддержки и практические решения», а также проведения II Национального рейтинга "
     "инвестиционной привлекательности особых экономических зон России и IV Национального рейтинга технопарков "
     "России направить в Министерство экономического развития Российской Федерации предложения по дальнейшему "
     "развитию механизмов технопарков и особых экономических зон в целях реализации мероприятий национальных "
     "проектов «Международная кооперация и экспорт» и «Развитие МСП и индивидуальной предпринимательской "
     "инициативы».",
     ("Министерство экономического развития Российской Федерации",),
     ("seminar", "awards"),
     ("Международная кооперация и экспорт",
      "Малое и среднее предпринимательство и поддержка индивидуальной предпринимательской инициативы")),
)


RECOMMENDATIONS_IN_ENGLISH = (
    "To involve business in the national projects aimed at the national development goals of the Russian "
    "Federation, the State Duma Committee on Economic Policy, Industry, Innovative Development and Entrepreneurship "
    "and the Association of Clusters and Technoparks of Russia are to send proposals to the Government of the "
    "Russian Federation and the Ministry of Industry and Trade of the Russian Federation: to include in the federal "
    "project «Industrial Export» indicators and measures that raise the localization of export products, and to "
    "extend the existing support of industrial clusters until 2024 for joint projects producing the equipment and "
    "components needed for competitive export-oriented industrial products within the federal project "
    "«Industrial Export».",
    "The Association of Clusters and Technoparks of Russia, having reviewed the investment niches of industrial "
    "clusters, is to send the Ministry of Industry and Trade of the Russian Federation proposals for the further "
    "development of the industrial cluster mechanism and for joint projects in the niches identified.",
    "The Association of Clusters and Technoparks of Russia, following the practical seminar «An effective "
    "technopark: support measures and practical solutions» and the 2nd National Rating of the Investment "
    "Attractiveness of Russia's Special Economic Zones and the 4th National Rating of Russia's Technoparks, is to "
    "send the Ministry of Economic Development of the Russian Federation proposals for the further development of "
    "technoparks and special economic zones, to carry out the national projects «International Cooperation and "
    "Export» and «Small and Medium-Sized Entrepreneurship and Support for Individual Entrepreneurial Initiative».",
)


def create_demo_recommendations(event: Event) -> None:
    """Adopted at the close of 23 November 2018; sent to the ministries in December, the first answer in January."""
    from .agenda.models import AgendaSession
    from .resolutions.models import Body, Project, Recommendation
    from .resolutions.services import RecommendationData, follow_up, load_defaults, save_recommendation

    load_defaults()
    body = {row.name_ru: row.id for row in db.session.scalars(select(Body))}
    project = {row.name_ru: row.id for row in db.session.scalars(select(Project))}
    session = {row.kind: row.id for row in db.session.scalars(select(AgendaSession).where(
        AgendaSession.event_id == event.id))}
    for number, (text, addressees, kinds, projects) in enumerate(RECOMMENDATIONS):
        recommendation = save_recommendation(event, Recommendation(), RecommendationData(
            text=text, text_en=RECOMMENDATIONS_IN_ENGLISH[number], status="adopted", adopted_on=event.ends_on,
            body_ids=[body[name] for name in addressees],
            session_ids=[session[kind] for kind in kinds], project_ids=[project[name] for name in projects]))
        for addressee in recommendation.addressees:
            answered = date(2019, 1, 21 + number) if number < 2 else None
            follow_up(addressee, date(2018, 12, 5), answered,
                      "Ответ получен, предложения приняты к рассмотрению." if answered else "")
