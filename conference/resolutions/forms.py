from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.formtools import clean, plausible_year

from .labels import BODY_KIND_LABELS, PROJECT_KIND_LABELS, STATUS_LABELS
from .services import RecommendationData, RecommendationError

PICK_SEVERAL = _l("Hold Ctrl (⌘ on a Mac) to pick several.")

# The services name the rule a value broke; the person at the form reads what to do about it.
REFUSALS = {
    ("text", "empty"): _l("Enter the text of the recommendation."),
    ("adopted_on", "missing"): _l("Enter the date the recommendation was adopted: an adopted recommendation "
                                  "needs one."),
    ("session_ids", "other_event"): _l("Choose sessions of this event only: one of the chosen sessions is not in "
                                       "its program (it may have been deleted)."),
    ("name_ru", "exists"): _l("This name is already in the list: open that entry instead of adding it again."),
    ("answered_on", "before_sent"): _l("The answer cannot come before the recommendation was sent: check both "
                                       "dates."),
    ("parent_id", "federal_needs_parent"): _l("Choose the national project this federal project belongs to."),
    ("parent_id", "national_has_no_parent"): _l("A national project is not part of another project: leave this "
                                                "empty, or make it a federal project."),
    ("kind", "has_federal_projects"): _l("Federal projects sit in this national project: move them to another "
                                         "national project first."),
    ("body_ids", "followed_up"): _l("Follow-up is recorded for %(bodies)s (a letter sent, an answer or a note): "
                                    "to remove the addressee, clear its dates and note below first."),
}


def show_refusal(form: FlaskForm, refused: RecommendationError) -> None:
    """Puts a service's refusal under the field it is about."""
    words = REFUSALS.get((refused.field, str(refused)), str(refused))
    getattr(form, refused.field).errors.append(str(words) % refused.details if refused.details else words)


class RecommendationForm(FlaskForm):
    text = TextAreaField(_l("Text"), filters=[clean],
                         validators=[DataRequired(message=_l("Enter the text of the recommendation.")),
                                     Length(max=20_000)],
                         render_kw={"rows": 10},
                         description=_l("Separate paragraphs with an empty line."))
    text_en = TextAreaField(_l("Text in English"), filters=[clean], validators=[Optional(), Length(max=20_000)],
                            render_kw={"rows": 6},
                            description=_l("Optional: the English pages and the English report show it; they show "
                                           "the Russian text where it is empty."))
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), default="draft")
    adopted_on = DateField(_l("Adopted on"), validators=[Optional(), plausible_year],
                           description=_l("Required when the status is «Adopted»."))
    body_ids = SelectMultipleField(_l("Addressed to"), coerce=int, validators=[Optional()],
                                   render_kw={"size": 8}, description=PICK_SEVERAL)
    # Not checked against the choices here: the service refuses another event's session with a clearer message.
    session_ids = SelectMultipleField(_l("Discussed at the sessions"), coerce=int, validate_choice=False,
                                      validators=[Optional()], render_kw={"size": 6}, description=PICK_SEVERAL)
    project_ids = SelectMultipleField(_l("National and federal projects"), coerce=int, validators=[Optional()],
                                      render_kw={"size": 6}, description=PICK_SEVERAL)

    def fill_from(self, recommendation) -> None:
        self.text.data, self.status.data = recommendation.text, recommendation.status
        self.text_en.data = recommendation.text_en
        self.adopted_on.data = recommendation.adopted_on
        self.body_ids.data = [addressee.body_id for addressee in recommendation.addressees]
        self.session_ids.data = [session.id for session in recommendation.sessions]
        self.project_ids.data = [project.id for project in recommendation.projects]

    def recommendation_data(self) -> RecommendationData:
        return RecommendationData(text=self.text.data, text_en=self.text_en.data or "", status=self.status.data,
                                  adopted_on=self.adopted_on.data, body_ids=self.body_ids.data or [],
                                  session_ids=self.session_ids.data or [], project_ids=self.project_ids.data or [])


class FollowUpForm(FlaskForm):
    """What became of a recommendation sent to one body. One per addressee on a page, told apart by a prefix."""

    sent_on = DateField(_l("Sent on"), validators=[Optional(), plausible_year])
    answered_on = DateField(_l("Answer received on"), validators=[Optional(), plausible_year])
    note = TextAreaField(_l("Note"), filters=[clean], validators=[Optional(), Length(max=5000)],
                         render_kw={"rows": 2}, description=_l("For example, the reference number of the letter."))


class BodyForm(FlaskForm):
    name_ru = StringField(_l("Name in Russian"), filters=[clean], validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), filters=[clean], validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=list(BODY_KIND_LABELS.items()), default="ministry")


class ProjectForm(FlaskForm):
    name_ru = StringField(_l("Name in Russian"), filters=[clean], validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), filters=[clean], validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=list(PROJECT_KIND_LABELS.items()), default="national")
    parent_id = SelectField(_l("Part of the national project"), coerce=int, default=0,
                            description=_l("For a federal project: the national project it belongs to."))
