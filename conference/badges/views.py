from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from conference.accounts.access import organizer_required
from conference.events.access import event_or_404, of_event_or_404
from conference.events.models import Event
from conference.registration.access import participant_or_abort
from conference.registration.forms import ParticipantFilterForm, filter_args
from conference.registration.models import Participant

from . import services
from .layouts import LAYOUTS

bp = Blueprint("badges", __name__)



def pdf_response(pdf: bytes, filename: str, download: bool = False) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"{disposition}; filename={filename}"})


def not_printable(event: Event, participant: Participant):
    return render_template("badges/not_printable.html", event=event, participant=participant), 409


@bp.route("/my/<token>/badge.pdf")
def my_badge(token: str):
    participant = participant_or_abort(token)
    if participant.status != "confirmed":
        return not_printable(participant.event, participant)
    pdf = services.render_badges(participant.event, [participant], services.layout_of("a6"))
    return pdf_response(pdf, f"badge-{participant.event.slug}.pdf")


@bp.route("/manage/events/<slug>/participants/<int:participant_id>/badge.pdf")
@organizer_required
def participant_badge(slug: str, participant_id: int):
    event = event_or_404(slug)
    participant = of_event_or_404(Participant, participant_id, event)
    if participant.status != "confirmed":
        return not_printable(event, participant)
    pdf = services.render_badges(event, [participant], services.layout_of(request.args.get("layout")))
    services.mark_printed([services.current_badge(participant)])
    return pdf_response(pdf, f"badge-{participant.id}.pdf")


@bp.route("/manage/events/<slug>/participants/<int:participant_id>/badge/reissue", methods=["POST"])
@organizer_required
def reissue(slug: str, participant_id: int):
    event = event_or_404(slug)
    participant = of_event_or_404(Participant, participant_id, event)
    services.reissue(participant)
    flash(_("A new badge has been issued; the old one will be refused at the entrance."), "success")
    return redirect(url_for("participants.detail", slug=slug, participant_id=participant.id))


@bp.route("/manage/events/<slug>/badges", methods=["POST"])
@organizer_required
def bulk(slug: str):
    """Badges for the participant list's current filter: confirmed participants only, optionally only those
    whose badge has not been printed yet."""
    event = event_or_404(slug)
    criteria = ParticipantFilterForm(formdata=request.form).criteria()
    participants = services.participants_to_print(event, criteria, bool(request.form.get("only_unprinted")))
    if not participants:
        flash(_("No confirmed participant matches: there is nothing to print."), "warning")
        return redirect(url_for("participants.index", slug=slug, **filter_args(request.form)))
    layout = services.layout_of(request.form.get("layout"))
    pdf = services.print_badges(event, participants, layout)
    return pdf_response(pdf, f"badges-{event.slug}-{layout.key}.pdf", download=True)


@bp.app_context_processor
def badge_layouts():
    return {"badge_layouts": LAYOUTS}
