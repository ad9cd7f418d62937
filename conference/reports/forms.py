from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from conference.formtools import clean

from .press import MAX_LENGTH


def version_number(form, field):
    """The saved text's version the page showed: empty for a draft never saved."""
    if field.data and not (field.data.isdigit() and 0 < int(field.data) < 2 ** 31):
        raise ValidationError(_l("The page is out of date: reload it."))


class PressReleaseForm(FlaskForm):
    text = TextAreaField(
        _l("Text of the press release"), filters=[clean], render_kw={"rows": 26},
        validators=[DataRequired(message=_l("Enter the text: an empty press release cannot be saved.")),
                    Length(max=MAX_LENGTH, message=_l("The text is too long: at most %(max)d characters."))],
        description=_l("The first paragraph is the headline. An empty line separates paragraphs; a line that starts "
                       "with «- » is an item of a list."))
    version = HiddenField(validators=[version_number])

    @property
    def version_seen(self) -> int | None:
        return int(self.version.data) if self.version.data else None
