"""The organizers' view of an event's letters: what went out, what is waiting, what failed and why."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from conference.events.access import event_blueprint, of_event_or_404
from conference.i18n import translated

from . import services
from .models import Letter, LetterStatus

bp = event_blueprint("letters", __name__, "/letters")

STATUS_LABELS = LetterStatus.labels()
KIND_LABELS = {
    "registration": _l("Registration"), "session_moved": _l("Session moved"),
    "session_cancelled": _l("Session cancelled"), "seat_promoted": _l("Seat from the waiting list"),
    "mailing": _l("Letter to participants"), "erasure": _l("Data erased"),
}


def answer_meaning(letter: Letter) -> str:
    """What the mail server's answer (or its silence) means, in words an organizer acts on."""
    answer = letter.last_answer
    if not answer:
        return ""
    if letter.status == LetterStatus.FAILED and not answer.startswith("5") and "may have arrived" not in answer:
        return _("Given up after %(num)d tries: send it again once the mail server takes letters.",
                 num=letter.attempts)
    if answer.startswith("MailServerUnreachable"):
        return _("The mail server could not be reached (or refused the log-in): the letter will be tried again "
                 "by itself.")
    if "may have arrived" in answer:
        return _("The mail server did not answer once the letter was sent: it may have arrived. Ask the person "
                 "before sending it again.")
    if answer[:1] == "5":
        return _("The mail server refused the letter (a wrong or closed address, say).")
    if answer[:1] == "4":
        return _("The mail server asked to try later: the letter will be tried again by itself.")
    return _("The letter could not be written or handed over.")


@bp.route("/")
def index():
    status = request.args.get("status", "")
    if status not in LetterStatus.values():
        status = ""
    return render_template("mail/letters.html", event=g.event, status=status,
                           letters=services.letters_of(g.event.id, status),
                           counts=services.status_counts(g.event.id), status_labels=translated(STATUS_LABELS),
                           kind_labels=translated(KIND_LABELS), answer_meaning=answer_meaning)


@bp.route("/<int:letter_id>/again", methods=["POST"])
def send_again(letter_id: int):
    letter = of_event_or_404(Letter, letter_id, g.event)
    if services.send_again(letter):
        flash(_("The letter to %(email)s is queued again.", email=letter.recipient), "success")
    return redirect(url_for(".index", status=request.form.get("status", "")))


@bp.route("/again", methods=["POST"])
def send_all_again():
    count = services.send_all_failed_again(g.event.id)
    flash(ngettext("%(num)d failed letter is queued again.", "%(num)d failed letters are queued again.", count),
          "success")
    return redirect(url_for(".index", status=LetterStatus.FAILED))


@bp.app_context_processor
def letter_figures():
    return {"failed_letters": lambda event: services.status_counts(event.id).get(LetterStatus.FAILED, 0),
            "letters_to": services.letters_to, "letter_kind_labels": KIND_LABELS,
            "letter_status_labels": STATUS_LABELS}
