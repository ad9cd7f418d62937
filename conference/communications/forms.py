from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from conference.formtools import clean

from . import letter_texts
from .services import PLACEHOLDERS, unknown_placeholders


def known_placeholders(form, field):
    unknown = unknown_placeholders(field.data)
    if unknown:
        raise ValidationError(_l("Unknown placeholder %(names)s: the text may use %(known)s.",
                                 names=", ".join(f"{{{name}}}" for name in unknown),
                                 known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS)))


class MailingForm(FlaskForm):
    subject = StringField(_l("Subject"), filters=[clean],
                          validators=[DataRequired(message=_l("Enter the subject.")), Length(max=300),
                                      known_placeholders])
    subject_en = StringField(_l("Subject in English"), filters=[clean],
                             validators=[Optional(), Length(max=300), known_placeholders],
                             description=_l("For participants who registered in English; empty: the Russian one."))
    body = TextAreaField(_l("Text"), filters=[clean], render_kw={"rows": 12},
                         validators=[DataRequired(message=_l("Enter the text.")), Length(max=20000),
                                     known_placeholders])
    body_en = TextAreaField(_l("Text in English"), filters=[clean], render_kw={"rows": 12},
                            validators=[Optional(), Length(max=20000), known_placeholders],
                            description=_l("For participants who registered in English; empty: the Russian one."))
    attach_badge = BooleanField(_l("Attach the badge (to confirmed participants)"))
    attach_calendar = BooleanField(_l("Attach the personal calendar (the sessions each holds a seat at)"))
    attach_certificate = BooleanField(_l("Attach the certificate of participation (to those who came)"))
    is_news = BooleanField(_l("News: not for those who unsubscribed from the event's news, and with a link to "
                              "unsubscribe (leave it off for what each must know, such as a change of venue)"))


class LetterTextForm(FlaskForm):
    subject = StringField(_l("Subject"), filters=[clean],
                          validators=[DataRequired(message=_l("Enter the subject.")), Length(max=300)])
    body = TextAreaField(_l("Text"), filters=[clean], render_kw={"rows": 12},
                         validators=[DataRequired(message=_l("Enter the text.")), Length(max=20000)])

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    def validate_body(self, field):
        self._known(field)

    def validate_subject(self, field):
        self._known(field)

    def _known(self, field):
        unknown = letter_texts.unknown_placeholders(self.key, field.data)
        if unknown:
            raise ValidationError(_l("Unknown placeholder %(names)s: this letter may use %(known)s.",
                                     names=", ".join(f"{{{name}}}" for name in unknown),
                                     known=", ".join(f"{{{name}}}" for name in letter_texts.PLACEHOLDERS[self.key])))
