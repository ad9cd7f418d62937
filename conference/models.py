"""Every table of the application, imported in one place so that Alembic and `flask shell` see them all."""

from .accounts.models import EventMember, User  # noqa: F401
from .agenda.models import AgendaSession, Room, SessionPerson, SessionSignup  # noqa: F401
from .badges.models import Badge  # noqa: F401
from .checkin.models import CheckIn, CheckinDevice, Scan  # noqa: F401
from .communications.models import LetterText, Mailing  # noqa: F401
from .directories.models import Country, FederalDistrict, FederalSubject, OrganizationType  # noqa: F401
from .downloads.models import Download  # noqa: F401
from .events.models import ConsentText, Event  # noqa: F401
from .mail.models import Letter, LetterAttempt  # noqa: F401
from .privacy.models import DataAccess  # noqa: F401
from .registration.models import Participant  # noqa: F401
from .reports.models import PressRelease  # noqa: F401
from .resolutions.models import Addressee, Body, Project, Recommendation  # noqa: F401
