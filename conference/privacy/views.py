import json

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import ngettext

from conference.events.access import event_blueprint
from conference.registration.access import participant_or_abort
from conference.registration.labels import CATEGORY_LABELS, STATUS_LABELS

from . import services

public_bp = Blueprint("privacy", __name__)
manage_bp = event_blueprint("privacy_manage", __name__, "/privacy")


# ---- the participant, through the private link -----------------------------------------------------------

@public_bp.route("/my/<token>/data")
def my_data(token: str):
    participant = participant_or_abort(token)
    return render_template("privacy/my_data.html", participant=participant, event=participant.event, token=token,
                           data=services.held_data(participant), status_labels=STATUS_LABELS,
                           category_labels=CATEGORY_LABELS)


@public_bp.route("/my/<token>/data.json")
def my_data_json(token: str):
    participant = participant_or_abort(token)
    body = json.dumps(services.as_json(services.held_data(participant)), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={participant.event.slug}-my-data.json",
        "Cache-Control": "no-store"})  # personal data: no shared cache keeps it


@public_bp.route("/my/<token>/erase", methods=["GET", "POST"])
def erase(token: str):
    participant = participant_or_abort(token)
    if request.method == "POST":  # CSRFProtect has checked the form's token by now
        services.withdraw_consent(participant)
        # The link itself now answers with the page that says the data is erased.
        return redirect(url_for("registration.self_service", token=token))
    return render_template("privacy/erase.html", participant=participant, event=participant.event, token=token)


# ---- organizers ------------------------------------------------------------------------------------------

@manage_bp.route("/anonymise", methods=["GET", "POST"])
def anonymise_event():
    event = g.event
    if request.method == "POST":
        erased = services.anonymise_event(event, "organizer")
        flash(ngettext("%(num)d registration anonymised.", "%(num)d registrations anonymised.", erased), "success")
        return redirect(url_for("events_manage.dashboard"))
    return render_template("privacy/anonymise_event.html", event=event)
