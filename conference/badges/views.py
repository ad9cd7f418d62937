from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from conference.downloads.models import Download
from conference.downloads.services import latest, make_now, queue_preparation
from conference.events.access import event_blueprint, of_event_or_404
from conference.events.models import Event
from conference.extensions import db
from conference.i18n import safe_next_url
from conference.privacy.access_log import record_access, with_filters
from conference.registration.access import participant_or_abort
from conference.registration.forms import ParticipantFilterForm, filter_args
from conference.registration.models import Participant, RegistrationStatus

from . import services
from .layouts import LAYOUTS
from .models import Badge

bp = event_blueprint("badges", __name__)  # organizers: a participant's badge, batches for the list
public_bp = Blueprint("badges_public", __name__)  # a participant's own badge, through the private link



def pdf_response(pdf: bytes, filename: str, download: bool = False) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"{disposition}; filename={filename}"})


def not_printable(event: Event, participant: Participant):
    return render_template("badges/not_printable.html", event=event, participant=participant), 409


@public_bp.route("/my/<token>/badge.pdf")
def my_badge(token: str):
    participant = participant_or_abort(token)
    if participant.status != RegistrationStatus.CONFIRMED:
        return not_printable(participant.event, participant)
    pdf = services.render_badges(participant.event, [participant], services.layout_of("a6"))
    return pdf_response(pdf, f"badge-{participant.event.slug}.pdf")


@bp.route("/participants/<int:participant_id>/badge.pdf")
def participant_badge(participant_id: int):
    event = g.event
    participant = of_event_or_404(Participant, participant_id, event)
    if participant.status != RegistrationStatus.CONFIRMED:
        return not_printable(event, participant)
    layout = services.layout_of(request.args.get("layout"))
    record_access("badge", event, 1, participant.id, detail=layout.key)
    pdf = services.render_badges(event, [participant], layout)
    return pdf_response(pdf, f"badge-{participant.id}.pdf")


@bp.route("/participants/<int:participant_id>/badge/printed", methods=["POST"])
def participant_badge_printed(participant_id: int):
    event = g.event
    participant = of_event_or_404(Participant, participant_id, event)
    if participant.status == RegistrationStatus.CONFIRMED:
        services.mark_printed(list(services.badges_in_force([participant]).values()))
        flash(_("The badge is marked as printed."), "success")
    return redirect(url_for("participants.detail", participant_id=participant.id))


@bp.route("/participants/<int:participant_id>/badge/reissue", methods=["POST"])
def reissue(participant_id: int):
    event = g.event
    participant = of_event_or_404(Participant, participant_id, event)
    services.reissue(participant)
    flash(_("A new badge has been issued; the old one will be refused at the entrance."), "success")
    return redirect(url_for("participants.detail", participant_id=participant.id))


@bp.route("/badges", methods=["POST"])
def bulk():
    """Badges for the participant list's current filter: confirmed participants only, optionally only those
    whose badge has not been printed yet. A batch the page can render quickly comes back at once; a bigger one is
    prepared by a job. Either is kept as a batch, marked printed only when the organizer says it is in hand."""
    event = g.event
    criteria = ParticipantFilterForm(formdata=request.form).criteria()
    participants = services.participants_to_print(event, criteria, bool(request.form.get("only_unprinted")))
    if not participants:
        flash(_("No confirmed participant matches: there is nothing to print."), "warning")
        return redirect(url_for("participants.index", **filter_args(request.form)))
    layout = services.layout_of(request.form.get("layout"))
    batch = services.new_batch(event, participants, layout, current_user.id)
    if len(participants) <= current_app.config["BADGES_PRINTED_AT_ONCE"]:
        record_access("badges", event, len(participants), detail=with_filters(layout.key, request.form))
        return pdf_response(make_now(batch), batch.filename, download=True)
    queue_preparation(batch)  # a big batch: prepared by a job, its progress on its page
    return redirect(url_for("downloads.show", download_id=batch.id))


@bp.route("/badges/batches/<int:download_id>/printed", methods=["POST"])
def batch_printed(download_id: int):
    event = g.event
    batch = of_event_or_404(Download, download_id, event)
    if batch.kind != "badges" or "badge_ids" not in batch.params:
        abort(409)  # not a batch of badges, or not rendered yet: nothing is known to have been printed
    if batch.printed_at is not None:
        return redirect(url_for("downloads.show", slug=event.slug, download_id=batch.id))  # a second click
    count = services.mark_batch_printed(batch)
    flash(ngettext("%(num)d badge marked as printed.", "%(num)d badges marked as printed.", count), "success")
    return redirect(safe_next_url(request.form.get("back"), url_for("downloads.show", download_id=batch.id)))


@bp.app_context_processor
def badge_layouts():
    return {"badge_layouts": LAYOUTS, "latest_badge_batches": latest_batches, "badge_in_force": badge_in_force,
            "badges_of": services.badges_of}


def badge_in_force(participant: Participant) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.participant_id == participant.id, Badge.revoked_at.is_(None)))


def latest_batches(event: Event) -> list[Download]:
    """For the participant list: the last batches printed, to mark printed or print again."""
    return latest(event.id, "badges")
