from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference.accounts.access import organizer_required
from conference.accounts.services import add_member, events_of
from conference.transactions import lock_row

from . import services
from .access import event_blueprint, event_or_404
from .forms import EventForm
from .models import Event

bp = Blueprint("events", __name__)
manage_bp = event_blueprint("events_manage", __name__)  # one event's settings (its dashboard: reports)

@bp.route("/")
def index():
    return render_template("events/index.html", events=services.list_events())


@bp.route("/events/<slug>")
def detail(slug: str):
    event = event_or_404(slug)
    return render_template("events/detail.html", event=event)


@bp.route("/events/<slug>/consent")
def consent(slug: str):
    return render_template("events/consent.html", event=event_or_404(slug))


# ---- organizers ------------------------------------------------------------------------------------------

@bp.route("/manage/")
@organizer_required
def manage_index():
    return render_template("events/manage_index.html", events=events_of(current_user, services.list_events()))


@bp.route("/manage/events/new", methods=["GET", "POST"])
@organizer_required
def create():
    form = EventForm()
    if request.method == "GET":
        form.consent_text.data = services.DEFAULT_CONSENT_TEXT
        form.consent_text_en.data = services.DEFAULT_CONSENT_TEXT_EN
        form.consent_version.data = "1"
    return _save_event_form(form, Event())


@manage_bp.route("/edit", methods=["GET", "POST"])
def edit():
    event = g.event
    form = EventForm(obj=event)
    if request.method == "GET":  # the form shows registration times in the event's zone, not UTC
        for name, value in services.event_form_data(event).items():
            getattr(form, name).data = value
    return _save_event_form(form, event)


OPTIONAL_TEXTS = ("title_en", "description", "description_en", "venue", "venue_en", "city", "city_en",
                  "consent_text_en")


def _save_event_form(form: EventForm, event: Event):
    if form.validate_on_submit():
        if event.id is not None:  # (no registration may agree to the text between this count and the save)
            lock_row(Event, event.id)
        agreed = services.agreed_to_consent(event, form.consent_version.data, form.consent_text.data,
                                            form.consent_text_en.data)
        if services.slug_taken(form.slug.data, except_event=event):
            form.slug.errors.append(_("Another event already uses this address."))
        elif agreed:
            form.consent_version.errors.append(ngettext(
                "%(num)d participant agreed to version %(version)s of the consent text as it was published. Give "
                "the changed text a new version: the text they agreed to is kept as it was.",
                "%(num)d participants agreed to version %(version)s of the consent text as it was published. Give "
                "the changed text a new version: the texts they agreed to are kept as they were.",
                agreed, version=form.consent_version.data))
        else:
            data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
            for name in OPTIONAL_TEXTS:  # a field left out of the form (an older page, a script) is empty, not NULL
                data[name] = data[name] or ""
            data["retention_months"] = data["retention_months"] or 12
            new = event.id is None
            services.save_event(event, data)
            if new:  # whoever creates an event works on it
                add_member(event.id, current_user)
            flash(_("The event has been saved."), "success")
            if data["consent_text"] != services.DEFAULT_CONSENT_TEXT and \
                    data["consent_text_en"] == services.DEFAULT_CONSENT_TEXT_EN:
                flash(_("The consent text in English is still the default one, while the Russian text has been "
                        "changed: participants who register in English read it. Translate the new text."),
                      "warning")
            return redirect(url_for("reports.dashboard", slug=event.slug))  # the slug may be new
    return render_template("events/edit.html", form=form, event=event)
