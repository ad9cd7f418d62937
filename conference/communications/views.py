"""An event's letters to groups: written from the participant list (its filters, or a selection), previewed as a
chosen recipient gets it, tried on oneself, sent after the count is confirmed, then followed letter by letter."""

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference import tokens
from conference.downloads.services import new_download, queue_preparation
from conference.events.access import event_blueprint, of_event_or_404
from conference.extensions import db
from conference.i18n import speak_the_language_of, translated
from conference.mail.models import LetterStatus
from conference.privacy.access_log import record_access
from conference.registration.access import participant_or_abort
from conference.registration.forms import ParticipantFilterForm, filter_args
from conference.registration.models import Participant

from . import certificates, letter_texts, services
from .forms import LetterTextForm, MailingForm
from .models import LETTER_TEXT_KEYS, LetterText, Mailing

bp = event_blueprint("mailings", __name__, "/mailings")
public_bp = Blueprint("communications_public", __name__)


def _mailing(mailing_id: int) -> Mailing:
    return of_event_or_404(Mailing, mailing_id, g.event)


@bp.route("/")
def index():
    return render_template("communications/index.html", event=g.event, mailings=services.mailings_of(g.event.id))


def _chosen_ids() -> list[int]:
    return [int(value) for value in request.form.getlist("ids") if value.isascii() and value.isdigit()
            and len(value) < 12]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """GET: to whoever the participant list's filters (in the query string) find. POST from the list's selection
    (`ids`) opens the form for those; POST with the form's fields saves the draft."""
    event = g.event
    if request.method == "POST" and "subject" not in request.form and not _chosen_ids():
        flash(_("Select the participants to write to, or write to the whole list with «Написать им» beside its "
                "count."), "warning")
        return redirect(url_for("participants.index", **filter_args(request.form)))  # (the list as it was)
    filters = ParticipantFilterForm(formdata=request.args)
    criteria = filters.criteria()
    if filters.errors:  # (an export may drop a stale filter; a letter must not grow to more people than meant)
        flash(_("A filter of the list no longer applies (a session deleted since, say): check the list, then write "
                "to it again."), "warning")
        return redirect(url_for("participants.index"))
    mailing = Mailing(event_id=event.id, event=event)
    services.set_recipients(mailing, criteria, _chosen_ids())
    form = MailingForm(formdata=request.form if "subject" in request.form else None)
    if "subject" in request.form and form.validate():
        form.populate_obj(mailing)
        mailing.created_by_id = current_user.id
        db.session.add(mailing)
        db.session.flush()
        return redirect(url_for(".show", mailing_id=mailing.id))
    return render_template("communications/edit.html", event=event, form=form, mailing=mailing,
                           count=services.count_recipients(mailing), placeholders=services.PLACEHOLDERS,
                           chosen=mailing.participant_ids or [], filter_args=request.args)


@bp.route("/<int:mailing_id>/edit", methods=["GET", "POST"])
def edit(mailing_id: int):
    mailing = _mailing(mailing_id)
    if mailing.sent_at is not None:
        flash(_("This letter has been sent: it can no longer be changed."), "warning")
        return redirect(url_for(".show", mailing_id=mailing.id))
    form = MailingForm(obj=mailing)
    if form.validate_on_submit():
        form.populate_obj(mailing)
        return redirect(url_for(".show", mailing_id=mailing.id))
    return render_template("communications/edit.html", event=g.event, form=form, mailing=mailing,
                           count=services.count_recipients(mailing), placeholders=services.PLACEHOLDERS,
                           chosen=[], filter_args={})


@bp.route("/<int:mailing_id>")
def show(mailing_id: int):
    mailing = _mailing(mailing_id)
    if mailing.sent_at is not None:
        counts, status = services.progress(mailing), request.args.get("status", "")
        status = status if status in LetterStatus.values() else ""
        return render_template("communications/sent.html", event=g.event, mailing=mailing, counts=counts,
                               done=services.is_done(counts, mailing), letters=services.letters_of(mailing, status),
                               status=status, status_labels=translated(LetterStatus.labels()))
    recipients = services.some_recipients(mailing)
    preview = services.recipient(mailing, request.args.get("preview", type=int)) or next(iter(recipients), None)
    written = services.written(mailing, preview, sample=True) if preview else None
    if preview:  # one person's letter, as written for them: a look at their data (lists are not recorded)
        record_access("letter", g.event, 1, preview.id, detail=f"mailing={mailing.id}")
    return render_template("communications/draft.html", event=g.event, mailing=mailing, recipients=recipients,
                           preview=preview, written=written, count=services.count_recipients(mailing))


@bp.route("/<int:mailing_id>/test", methods=["POST"])
def send_test(mailing_id: int):
    mailing = _mailing(mailing_id)
    participant = services.recipient(mailing, request.form.get("participant", type=int))
    if participant is None:  # (a page older than the list's latest change, or a hand-made form)
        flash(_("Choose one of the letter's recipients: the test letter shows their letter."), "warning")
        return redirect(url_for(".show", mailing_id=mailing.id))
    record_access("letter", g.event, 1, participant.id, detail=f"mailing={mailing.id} test")
    services.send_test(mailing, participant, current_user.email)
    flash(_("A test letter, as %(name)s gets it, is on its way to %(email)s.", name=participant.full_name,
            email=current_user.email), "success")
    return redirect(url_for(".show", mailing_id=mailing.id, preview=participant.id))


@bp.route("/<int:mailing_id>/send", methods=["POST"])
def send(mailing_id: int):
    mailing = _mailing(mailing_id)
    confirmed = request.form.get("count", type=int)
    if confirmed is None:
        abort(400)
    try:
        services.confirm_sending(mailing, confirmed)
    except services.AlreadySent:
        flash(_("This letter has been sent already."), "info")
    except services.RecipientsChanged as changed:
        flash(ngettext("The list has changed since: it now holds %(num)d participant. Check it and send again.",
                       "The list has changed since: it now holds %(num)d participants. Check it and send again.",
                       changed.count), "warning")
    else:
        flash(ngettext("The letter is being sent to %(num)d participant.",
                       "The letter is being sent to %(num)d participants.", mailing.recipients), "success")
    return redirect(url_for(".show", mailing_id=mailing.id))


@bp.route("/<int:mailing_id>/delete", methods=["POST"])
def delete(mailing_id: int):
    mailing = _mailing(mailing_id)
    if mailing.sent_at is not None:
        abort(409)  # a sent letter is history
    db.session.delete(mailing)
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for(".index"))


# ---- a participant's news, through the link in each news letter ---------------------------------------------

@public_bp.route("/news/<token>", methods=["GET", "POST"])
def news(token: str):
    """GET shows the choice (a mail client's link checker must not unsubscribe anybody); POST makes it."""
    try:
        participant = services.participant_from_news_token(token)
    except tokens.InvalidToken:
        participant = None
    if participant is None:
        abort(404, _("This link does not work: it was copied incompletely, or its registration no longer exists."))
    speak_the_language_of(participant.language)
    if request.method == "POST":
        services.set_news(participant, request.form.get("news") == "on")
        flash(_("You will get the event's news again.") if participant.news_opt_out_at is None
              else _("You are unsubscribed from the event's news."), "success")
        return redirect(url_for(".news", token=token))
    return render_template("communications/news.html", participant=participant, event=participant.event)


@public_bp.route("/certificates/<token>")
def certificate(token: str):
    """The public check of a certificate: the event, the name and the dates, nothing else; or that it is revoked."""
    found = certificates.verdict(token)
    if found is None:
        abort(404, _("No certificate has this address: check that it was copied whole."))
    return render_template("communications/verify.html", verdict=found, participant=found.participant,
                           event=found.participant.event)


@public_bp.route("/my/<token>/certificate.pdf")
def my_certificate(token: str):
    participant = participant_or_abort(token)
    if not certificates.attended(participant):
        abort(409, _("The certificate is for those who came: it is ready once your badge has been scanned at the "
                     "event."))
    return _pdf(certificates.render_certificates([participant]), f"certificate-{participant.event.slug}.pdf")


@bp.route("/certificates/<int:participant_id>.pdf")
def participant_certificate(participant_id: int):
    participant = of_event_or_404(Participant, participant_id, g.event)
    if participant.erased_at is not None or not certificates.attended(participant):
        abort(409, _("Only a participant who came (checked in at least once) has a certificate."))
    record_access("certificate", g.event, 1, participant.id)
    return _pdf(certificates.render_certificates([participant]), f"certificate-{participant.id}.pdf")


@bp.route("/certificates", methods=["POST"])
def all_certificates():
    """Everyone who came, in one PDF prepared by a job (its progress on its page)."""
    people = certificates.who_attended(g.event.id)
    if not people:
        flash(_("Nobody has checked in yet: there is no certificate to prepare."), "warning")
        return redirect(url_for(".index"))
    download = new_download(g.event.id, "certificates", f"certificates-{g.event.slug}.pdf", {}, len(people),
                            current_user.id)
    queue_preparation(download)
    return redirect(url_for("downloads.show", download_id=download.id))


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={filename}"})


@public_bp.app_context_processor
def certificate_links():
    """(The private page and the organizer's page of a participant offer the certificate to those who came.)"""
    return {"has_certificate": lambda participant: participant.erased_at is None and certificates.attended(participant)}


# ---- the event's own texts for the system's letters ------------------------------------------------------------

@bp.route("/texts/")
def letter_texts_index():
    return render_template("communications/texts.html", event=g.event, labels=letter_texts.LABELS,
                           keys=LETTER_TEXT_KEYS, own=letter_texts.texts_of(g.event.id))


@bp.route("/texts/<any(registered, confirmed, rejected, cancelled, session_moved, seat_promoted):key>/"
          "<any(ru, en):language>", methods=["GET", "POST"])
def letter_text(key: str, language: str):
    event = g.event
    own = letter_texts.text_of(event.id, key, language)
    form = LetterTextForm(key=key)
    if request.method == "GET":
        form.subject.data, form.body.data = (own.subject, own.body) if own else letter_texts.default_of(key, language)
    elif request.form.get("action") == "default":
        if own is not None:
            db.session.delete(own)
        flash(_("The letter is the default one again."), "success")
        return redirect(url_for(".letter_texts_index"))
    elif form.validate():
        if own is None:
            own = LetterText(event_id=event.id, key=key, language=language)
            db.session.add(own)
        own.subject, own.body = form.subject.data, form.body.data
        flash(_("The event's own text is saved: the letters from now on use it."), "success")
        return redirect(url_for(".letter_text", key=key, language=language))
    preview = letter_texts.written(form.subject.data or "", form.body.data or "",
                                   letter_texts.sample_context(event, language), language)
    return render_template("communications/text.html", event=event, form=form, key=key, language=language,
                           label=letter_texts.LABELS[key], own=own, preview=preview,
                           placeholders=letter_texts.PLACEHOLDERS[key])
