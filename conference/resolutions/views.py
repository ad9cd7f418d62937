from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.accounts.access import organizer_required
from conference.accounts.services import may_open_event
from conference.agenda.services import sessions_of
from conference.events.access import event_blueprint, event_or_404, of_event_or_404
from conference.events.models import Event
from conference.events.services import get_event
from conference.extensions import db
from conference.i18n import numeric_datetime, translated

from . import services
from .forms import BodyForm, FollowUpForm, ProjectForm, RecommendationForm, show_refusal
from .labels import BODY_KIND_LABELS, PROJECT_KIND_LABELS, STATUS_LABELS
from .models import Addressee, Body, Project, Recommendation

bp = event_blueprint("resolutions", __name__, "/recommendations")  # the recommendations of an event
lists_bp = Blueprint("resolutions_lists", __name__, url_prefix="/manage/recommendations")  # one for every event
public_bp = Blueprint("resolutions_public", __name__)


# ---- organizers: the recommendations of an event ---------------------------------------------------------

@bp.route("/")
def manage():
    event = g.event
    return render_template("resolutions/manage.html", event=event, recommendations=services.recommendations_of(event),
                           status_labels=translated(STATUS_LABELS))


def recommendation_form(event: Event) -> RecommendationForm:
    form = RecommendationForm()
    form.body_ids.choices = [(body.id, body.name) for body in services.bodies()]
    form.session_ids.choices = [
        (session.id, f"{numeric_datetime(session.starts_at, event.timezone)} — {session.localized('title')}")
        for session in sessions_of(event)]
    # A federal project is listed under its national one.
    form.project_ids.choices = [(project.id, f"{'— ' if project.parent_id else ''}{project.name}")
                                for project in services.projects()]
    return form


def follow_up_forms(recommendation: Recommendation, posted: FollowUpForm | None = None,
                    posted_id: int | None = None) -> dict[int, FollowUpForm]:
    """A small form per addressee; the one just posted keeps what was typed and its errors."""
    return {addressee.id: posted if addressee.id == posted_id else
            FollowUpForm(formdata=None, obj=addressee, prefix=f"addressee-{addressee.id}")
            for addressee in recommendation.addressees}


def render_edit(event: Event, recommendation: Recommendation, form: RecommendationForm,
                follow_ups: dict[int, FollowUpForm] | None = None):
    return render_template("resolutions/edit.html", event=event, recommendation=recommendation, form=form,
                           follow_ups=follow_ups if follow_ups is not None else follow_up_forms(recommendation),
                           status_labels=translated(STATUS_LABELS))


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:recommendation_id>", methods=["GET", "POST"])
def edit(recommendation_id: int | None = None):
    event = g.event
    recommendation = (of_event_or_404(Recommendation, recommendation_id, event) if recommendation_id
                      else Recommendation())
    form = recommendation_form(event)
    if request.method == "GET" and recommendation_id:
        form.fill_from(recommendation)
    elif form.validate_on_submit():
        try:
            services.save_recommendation(event, recommendation, form.recommendation_data())
        except services.RecommendationError as refused:
            show_refusal(form, refused)
        else:
            flash(_("Recommendation %(number)d has been saved.", number=recommendation.position), "success")
            return redirect(url_for(".manage", _anchor=f"recommendation-{recommendation.id}"))
    return render_edit(event, recommendation, form)


@bp.route("/<int:recommendation_id>/move", methods=["POST"])
def move(recommendation_id: int):
    event = g.event
    recommendation = of_event_or_404(Recommendation, recommendation_id, event)
    steps = {"up": -1, "down": 1}
    if request.form.get("direction") not in steps:
        abort(400)
    services.move(recommendation, steps[request.form["direction"]])
    return redirect(url_for(".manage", _anchor=f"recommendation-{recommendation.id}"))


@bp.route("/<int:recommendation_id>/delete", methods=["GET", "POST"])
def delete(recommendation_id: int):
    event = g.event
    recommendation = of_event_or_404(Recommendation, recommendation_id, event)
    if request.method == "POST":
        number = recommendation.position
        services.delete_recommendation(recommendation)
        flash(_("Recommendation %(number)d has been deleted; the ones after it have moved up.", number=number),
              "success")
        return redirect(url_for(".manage"))
    return render_template("resolutions/delete.html", event=event, recommendation=recommendation,
                           status_labels=translated(STATUS_LABELS))


@bp.route("/<int:recommendation_id>/addressees/<int:addressee_id>", methods=["POST"])
def follow_up(recommendation_id: int, addressee_id: int):
    event = g.event
    recommendation = of_event_or_404(Recommendation, recommendation_id, event)
    addressee = db.session.get(Addressee, addressee_id)
    if addressee is None or addressee.recommendation_id != recommendation.id:
        abort(404)
    posted = FollowUpForm(prefix=f"addressee-{addressee.id}")
    if posted.validate_on_submit():
        try:
            services.follow_up(addressee, posted.sent_on.data, posted.answered_on.data, posted.note.data or "")
        except services.RecommendationError as refused:
            show_refusal(posted, refused)
        else:
            flash(_("Saved: %(body)s.", body=addressee.body.name), "success")
            return redirect(url_for(".edit", recommendation_id=recommendation.id,
                                    _anchor=f"addressee-{addressee.id}"))
    form = recommendation_form(event)
    form.fill_from(recommendation)
    # The edit page again, with the refused dates marked under this addressee.
    return render_edit(event, recommendation, form, follow_up_forms(recommendation, posted, addressee.id))


# ---- organizers: bodies and national projects, shared by every event -------------------------------------

def back_to_event() -> Event | None:
    """The event the organizer came from (?event=slug), for the way back to its recommendations: one of theirs
    only (the page would otherwise name an event they do not work on)."""
    event = get_event(request.args.get("event", "")) if request.args.get("event") else None
    return event if event is not None and may_open_event(current_user, event.id) else None


@lists_bp.route("/bodies/", methods=["GET", "POST"])
@lists_bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
@organizer_required
def bodies(body_id: int | None = None):
    body = db.session.get(Body, body_id) if body_id else Body()
    if body is None:
        abort(404)
    form = BodyForm(obj=body if body_id else None)
    event = back_to_event()
    if form.validate_on_submit():
        try:
            services.save_body(body, form.name_ru.data, form.name_en.data or "", form.kind.data)
        except services.RecommendationError as refused:
            show_refusal(form, refused)
        else:
            flash(_("Saved: %(name)s.", name=body.name), "success")
            return redirect(url_for(".bodies", event=event.slug if event else None))
    return render_template("resolutions/bodies.html", form=form, body=body, rows=services.bodies(), event=event,
                           kind_labels=translated(BODY_KIND_LABELS))


@lists_bp.route("/projects/", methods=["GET", "POST"])
@lists_bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
@organizer_required
def projects(project_id: int | None = None):
    project = db.session.get(Project, project_id) if project_id else Project()
    if project is None:
        abort(404)
    form = ProjectForm(obj=project if project_id else None)
    form.parent_id.choices = [(0, "—")] + [(row.id, row.name) for row in services.projects()
                                           if row.kind == "national" and row.id != project.id]
    if request.method == "GET":
        form.parent_id.data = project.parent_id or 0
    event = back_to_event()
    if form.validate_on_submit():
        try:
            services.save_project(project, form.name_ru.data, form.name_en.data or "", form.kind.data,
                                  form.parent_id.data or None)
        except services.RecommendationError as refused:
            show_refusal(form, refused)
        else:
            flash(_("Saved: %(name)s.", name=project.name), "success")
            return redirect(url_for(".projects", event=event.slug if event else None))
    return render_template("resolutions/projects.html", form=form, project=project, rows=services.projects(),
                           event=event, kind_labels=translated(PROJECT_KIND_LABELS))


# ---- the public page ---------------------------------------------------------------------------------------

@public_bp.route("/events/<slug>/recommendations")
def public(slug: str):
    event = event_or_404(slug)
    return render_template("resolutions/public.html", event=event,
                           recommendations=services.recommendations_of(event, adopted_only=True))
