from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional

from conference.formtools import clean

from .models import User
from .services import MIN_PASSWORD


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[clean], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


ROLE_LABELS = {"admin": _l("Administrator"), "organizer": _l("Organizer"), "checkin": _l("Check-in staff")}


class StaffForm(FlaskForm):
    """A staff account as an admin or organizer adds or edits it. The roles offered are the ones the editor may
    give (set by the view), least rights first; the email is set once, when the account is added; on one's own
    account only the name and the password."""

    email = EmailField(_l("Email"), filters=[clean],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email address."))],
                       description=_l("The log-in; it cannot be changed later."), render_kw={"autocomplete": "off"})
    full_name = StringField(_l("Name"), filters=[clean], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    # An organizer's new account works on one of their events (or it would be nobody's but the admins' to see).
    event_id = SelectField(_l("Event"), coerce=int, choices=[],
                           description=_l("The new account works on this event; add it to your other events on "
                                          "their «Team» pages."))
    is_enabled = BooleanField(_l("May log in"), default=True)
    # A new password for somebody else: the browser must not offer (or fill in) the editor's own.
    password = PasswordField(_l("Password"), validators=[Length(max=200)], render_kw={"autocomplete": "new-password"},
                             description=_l("At least %(count)d characters. Tell it to the person yourself.",
                                            count=MIN_PASSWORD))

    # On one's own account a new password needs the current one: a phone left logged in at the door must not let
    # anybody take the account over.
    current_password = PasswordField(_l("Current password"), validators=[Length(max=200)],
                                     render_kw={"autocomplete": "current-password"},
                                     description=_l("Needed only to set a new password."))

    def for_editor(self, roles: tuple[str, ...], new: bool, own: User | None = None,
                   events: list[tuple[int, str]] | None = None) -> "StaffForm":
        """`own`: the editor's own account, when that is the one edited; `events`: (id, title) of the events a new
        account may join, when it must join one (an organizer's), else None."""
        self.new, self.own = new, own
        self.role.choices = [(role, ROLE_LABELS[role]) for role in roles]
        if new and events is not None:
            self.event_id.choices = events
        else:
            del self.event_id
        if new:
            del self.is_enabled
            self.password.flags.required = True
        else:
            del self.email
            self.password.label.text = _l("New password")
            self.password.description = _l("Leave empty to keep the current one; a new one has at least "
                                           "%(count)d characters.", count=MIN_PASSWORD)
        if own:
            del self.role, self.is_enabled
        else:
            del self.current_password
        return self

    def validate_password(self, field):
        if (field.data or self.new) and len(field.data or "") < MIN_PASSWORD:
            raise ValidationError(_l("At least %(count)d characters.", count=MIN_PASSWORD))

    def validate_current_password(self, field):
        if self.password.data and not self.own.check_password(field.data or ""):
            raise ValidationError(_l("Enter your current password to set a new one."))


class MemberForm(FlaskForm):
    """An existing staff account joins the event's team."""

    email = EmailField(_l("Email"), filters=[clean],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email address."))])


class InvitationForm(FlaskForm):
    """A new person joins the event's team: an account without a password, and a letter with a link to set one."""

    email = EmailField(_l("Email"), filters=[clean],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email address."))],
                       render_kw={"autocomplete": "off"})
    full_name = StringField(_l("Name"), filters=[clean], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])

    def for_editor(self, roles: tuple[str, ...]) -> "InvitationForm":
        # Admins need no membership (they work on every event): nobody is invited to a team as one.
        self.role.choices = [(role, ROLE_LABELS[role]) for role in roles if role != "admin"]
        return self


class PasswordForm(FlaskForm):
    """The password a new team member sets through the link in their invitation."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least %(count)d characters.", count=MIN_PASSWORD))
    repeated = PasswordField(_l("The password again"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})

    def validate_password(self, field):
        if len(field.data or "") < MIN_PASSWORD:
            raise ValidationError(_l("At least %(count)d characters.", count=MIN_PASSWORD))

    def validate_repeated(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))
