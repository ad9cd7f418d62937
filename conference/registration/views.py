from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from limits import parse as parse_limit

from conference.events.access import event_blueprint, event_or_404, of_event_or_404
from conference.extensions import limiter
from conference.formtools import clean
from conference.i18n import current_language, safe_next_url, translated
from conference.mail.pages import tell_letters_queued
from conference.mail.services import latest_letter
from conference.privacy.access_log import record_access, with_filters

from . import services
from .access import participant_or_abort
from .forms import (
    ParticipantAdminForm,
    ParticipantDetailsForm,
    ParticipantFilterForm,
    RegistrationForm,
    ResendLinkForm,
    filter_args,
)
from .labels import ACTOR_LABELS, CATEGORY_LABELS, FIELD_LABELS, STATUS_LABELS
from .models import Participant, RegistrationStatus

public_bp = Blueprint("registration", __name__)
manage_bp = event_blueprint("participants", __name__, "/participants")
# The organizer's approve and decline buttons, on a participant's page and for those ticked in the list.
DECISIONS = {"approve": RegistrationStatus.CONFIRMED, "reject": RegistrationStatus.REJECTED}



def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


# ---- public registration ---------------------------------------------------------------------------------

@public_bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    event = event_or_404(slug)
    state = services.registration_state(event)
    if state != "open":
        return render_template("registration/unavailable.html", event=event, state=state)
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            participant = services.register(event, form.participant_data(), current_language())
        except services.DuplicateRegistration:
            # The answer of «send the link again», whoever asks: this form must not tell who attends. The address
            # itself is sent its private link, within the same per-address budget, counted quietly.
            if _link_letter_allowed(form.email.data):
                services.resend_link(event, form.email.data)
            return render_template("registration/link_sent.html", event=event, email=form.email.data)
        except services.RegistrationUnavailable as refused:
            return render_template("registration/unavailable.html", event=event, state=refused.state)
        else:
            token = services.self_service_token(participant)
            return redirect(url_for(".registered", token=token))
    return render_template("registration/register.html", event=event, form=form)


def _link_letter_allowed(email: str) -> bool:
    """One budget per address (RESEND_LINK_RATE_LIMIT) for every letter with a private link that goes to an address
    somebody typed: «send the link again», a second registration with a registered address, a new address on the
    edit form. Nobody can flood a mailbox from many machines, by any of the three. Counted here rather than by
    decorators, so that the three share one count, and so that the registration form refuses quietly (a 429 there
    would tell that the address is registered). The address as the form reads it: «a%01b@x» is «ab@x». A counter
    that cannot be reached refuses."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    budget = parse_limit(current_app.config["RESEND_LINK_RATE_LIMIT"])
    try:
        return limiter.limiter.hit(budget, "link-letter", clean(email).strip().lower())
    except Exception:  # noqa: BLE001 - the storage's errors (Redis down) come in many classes
        current_app.logger.exception("the per-address counter of link letters could not be reached")
        return False


@public_bp.route("/events/<slug>/link", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def resend_link(slug: str):
    event = event_or_404(slug)
    form = ResendLinkForm()
    if form.validate_on_submit():
        if not _link_letter_allowed(form.email.data):
            abort(429)
        services.resend_link(event, form.email.data)
        # The same answer whether or not the address is registered: this page tells no one who is.
        return render_template("registration/link_sent.html", event=event, email=form.email.data)
    return render_template("registration/resend_link.html", event=event, form=form)


# ---- the private self-service link -----------------------------------------------------------------------

@public_bp.route("/my/<token>")
def self_service(token: str):
    participant = participant_or_abort(token)
    return render_template("registration/self_service.html", participant=participant, event=participant.event,
                           token=token, status_labels=STATUS_LABELS, category_labels=CATEGORY_LABELS)


@public_bp.route("/my/<token>/registered")
def registered(token: str):
    participant = participant_or_abort(token)
    return render_template("registration/registered.html", participant=participant, event=participant.event,
                           token=token, letter=latest_letter(participant.id, "registration"),
                           status_labels=STATUS_LABELS)


@public_bp.route("/my/<token>/edit", methods=["GET", "POST"])
def edit_own(token: str):
    participant = participant_or_abort(token)
    if participant.status in services.WITHDRAWN:
        flash(_("This registration can no longer be changed."), "warning")
        return redirect(url_for(".self_service", token=token))
    form = ParticipantDetailsForm(participant=participant)
    if request.method == "GET":
        form.fill_from(participant)
    elif form.validate_on_submit():
        # A new email gets a letter with the new link: counted per address, so that nobody can flood a mailbox by
        # switching the email back and forth; edits that keep the email are not counted.
        if form.email.data.strip().lower() != participant.email and not _link_letter_allowed(form.email.data):
            abort(429)
        try:
            services.update_details(participant, form.participant_data())
        except services.DuplicateRegistration:
            form.email.errors.append(_("Another registration for this event already uses this email."))
        else:
            flash(_("Your changes have been saved."), "success")
            # A new email has a new link (the old one no longer opens): the page follows it.
            return redirect(url_for(".self_service", token=services.self_service_token(participant)))
    return render_template("registration/edit_own.html", participant=participant, event=participant.event,
                           form=form, token=token)


@public_bp.route("/my/<token>/cancel", methods=["GET", "POST"])
def cancel_own(token: str):
    participant = participant_or_abort(token)
    if request.method == "POST":  # CSRFProtect has checked the form's token by now
        services.cancel(participant)
        flash(_("Your registration has been cancelled."), "info")
        return redirect(url_for(".self_service", token=token))
    return render_template("registration/cancel_own.html", participant=participant, event=participant.event,
                           token=token)


@public_bp.route("/my/<token>/new-link", methods=["POST"])
def replace_link(token: str):
    participant = participant_or_abort(token)
    # The same per-address budget as every letter with a link: replacing it again and again floods no mailbox.
    if not _link_letter_allowed(participant.email):
        abort(429)
    services.replace_link(participant)
    flash(_("A new private link has been sent to %(email)s; the old one no longer works. This page has moved to "
            "the new link: bookmark it again.", email=participant.email), "success")
    return redirect(url_for(".self_service", token=services.self_service_token(participant)))


# ---- organizers: the participant list --------------------------------------------------------------------

def _filter_form() -> ParticipantFilterForm:
    return ParticipantFilterForm(formdata=request.args)


@manage_bp.route("/")
def index():
    event = g.event
    filters = _filter_form()
    criteria = filters.criteria()
    pagination = services.page_of_participants(
        event, criteria, request.args.get("page", 1, type=int), current_app.config["PARTICIPANTS_PER_PAGE"]
    )
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "registration/manage_list.html", event=event, filters=filters, pagination=pagination,
        counts=services.status_counts(event), query_args=query_args,
        status_labels=translated(STATUS_LABELS), category_labels=translated(CATEGORY_LABELS),
    )


@manage_bp.route("/bulk", methods=["POST"])
def bulk():
    event = g.event
    action = request.form.get("action")
    ids = [int(value) for value in request.form.getlist("ids") if value.isascii() and value.isdigit()
           and len(value) < 12]
    if action not in DECISIONS or not ids:
        flash(_("Select participants and an action."), "warning")
    else:
        changed = services.bulk_set_status(event, ids, DECISIONS[action])
        flash(ngettext("%(num)d registration updated.", "%(num)d registrations updated.", changed), "success")
        tell_letters_queued()
    return redirect(url_for(".index", **filter_args(request.form)))


@manage_bp.route("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    event = g.event
    criteria = _filter_form().criteria()
    record_access("export", event, services.count_matching(event, criteria), detail=with_filters(fmt, request.args))
    if fmt == "csv":
        body, mimetype = services.export_csv(event, criteria), "text/csv"  # Werkzeug adds the charset
    else:
        body = services.export_xlsx(event, criteria)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={event.slug}-participants.{fmt}"})


@manage_bp.route("/<int:participant_id>", methods=["GET", "POST"])
def detail(participant_id: int):
    event = g.event
    participant = of_event_or_404(Participant, participant_id, event)
    form = ParticipantAdminForm(participant=participant)
    if request.method == "GET":
        form.fill_from(participant)
    elif form.validate_on_submit():
        try:
            services.update_details(participant, dict(form.participant_data(), category=form.category.data),
                                    by_organizer=True)
        except services.DuplicateRegistration:
            form.email.errors.append(_("Another registration for this event already uses this email."))
        else:
            services.set_status(participant, form.status.data)
            flash(_("Saved."), "success")
            tell_letters_queued()
            return redirect(url_for(".detail", participant_id=participant.id))
    record_access("participant", event, 1, participant.id)  # (shown again after a refused POST, too)
    return render_template("registration/manage_detail.html", event=event, participant=participant, form=form,
                           status_labels=STATUS_LABELS, category_labels=CATEGORY_LABELS,
                           self_service_url=services.self_service_url(participant),
                           history=services.history_of(participant), field_labels=FIELD_LABELS,
                           actor_labels=ACTOR_LABELS)


@manage_bp.route("/<int:participant_id>/status", methods=["POST"])
def change_status(participant_id: int):
    event = g.event
    participant = of_event_or_404(Participant, participant_id, event)
    status = DECISIONS.get(request.form.get("action"))
    if status is None:
        abort(400)
    if services.bulk_set_status(event, [participant.id], status):
        flash(_("Status changed: %(status)s.", status=STATUS_LABELS[status]), "success")
        tell_letters_queued()
    elif participant.status == RegistrationStatus.CANCELLED:
        flash(_("The participant has cancelled this registration; change the status below if you must."), "warning")
    return redirect(safe_next_url(request.form.get("back"),
                                  url_for(".detail", participant_id=participant.id)))


@public_bp.app_context_processor
def registration_states():
    """(The events' public pages say whether registration is open, and offer to register when it is.)"""
    return {"registration_state": services.registration_state}
