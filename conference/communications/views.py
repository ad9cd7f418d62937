"""An event's letters to groups: written from the participant list (its filters, or a selection), previewed as a
chosen recipient gets it, tried on oneself, sent after the count is confirmed, then followed letter by letter."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference import tokens
from conference.events.access import event_blueprint, of_event_or_404
from conference.extensions import db
from conference.i18n import speak_the_language_of, translated
from conference.mail.models import LetterStatus
from conference.registration.forms import ParticipantFilterForm

from . import services
from .forms import MailingForm
from .models import Mailing

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
    mailing = Mailing(event_id=event.id, event=event)
    services.set_recipients(mailing, ParticipantFilterForm(formdata=request.args).criteria(), _chosen_ids())
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
        counts = services.progress(mailing)
        return render_template("communications/sent.html", event=g.event, mailing=mailing, counts=counts,
                               done=services.is_done(counts, mailing), letters=services.letters_of(mailing),
                               status_labels=translated(LetterStatus.labels()))
    recipients = services.some_recipients(mailing)
    preview = services.recipient(mailing, request.args.get("preview", type=int)) or next(iter(recipients), None)
    written = services.written(mailing, preview, sample=True) if preview else None
    return render_template("communications/draft.html", event=g.event, mailing=mailing, recipients=recipients,
                           preview=preview, written=written, count=services.count_recipients(mailing))


@bp.route("/<int:mailing_id>/test", methods=["POST"])
def send_test(mailing_id: int):
    mailing = _mailing(mailing_id)
    participant = services.recipient(mailing, request.form.get("participant", type=int))
    if participant is None:  # (a page older than the list's latest change, or a hand-made form)
        flash(_("Choose one of the letter's recipients: the test letter shows their letter."), "warning")
        return redirect(url_for(".show", mailing_id=mailing.id))
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
