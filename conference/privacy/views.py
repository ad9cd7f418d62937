import json

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import ngettext

from conference.accounts.access import roles_required
from conference.agenda.models import UNNAMED
from conference.events.access import event_blueprint
from conference.registration.access import participant_or_abort
from conference.registration.labels import CATEGORY_LABELS, STATUS_LABELS

from . import access_log, services
from .forms import AccessLogFilterForm
from .models import ACCESS_KINDS

public_bp = Blueprint("privacy", __name__)
manage_bp = event_blueprint("privacy_manage", __name__, "/privacy")
admin_bp = Blueprint("privacy_admin", __name__, url_prefix="/manage/access-log")


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
        services.withdraw_consent(participant, stay_named=request.form.get("program") == "named")
        # The link itself now answers with the page that says the data is erased.
        return redirect(url_for("registration.self_service", token=token))
    on_stage = services.on_stage(participant)
    return render_template("privacy/erase.html", participant=participant, event=participant.event, token=token,
                           on_stage=on_stage, role_labels=CATEGORY_LABELS,
                           unnamed=sorted({str(UNNAMED[person.role]) for person in on_stage}))


# ---- organizers ------------------------------------------------------------------------------------------

@manage_bp.route("/anonymise", methods=["GET", "POST"])
def anonymise_event():
    event = g.event
    if request.method == "POST":
        erased = services.anonymise_event(event, "organizer")
        flash(ngettext("%(num)d registration anonymised.", "%(num)d registrations anonymised.", erased), "success")
        return redirect(url_for("reports.dashboard"))
    return render_template("privacy/anonymise_event.html", event=event)


# ---- administrators: who saw whom ------------------------------------------------------------------------

@admin_bp.route("/")
@roles_required("admin")
def access_log_page():
    filters = AccessLogFilterForm(formdata=request.args)
    criteria = access_log.AccessFilter()
    if filters.validate():  # (invalid filters are shown with their errors, and the whole log below them)
        zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        since, until = access_log.since_and_until(filters.since.data, filters.until.data, zone)
        criteria = access_log.AccessFilter(event_id=filters.event_id.data or None, kind=filters.kind.data or "",
                                           user_email=filters.user_email.data or "", since=since, until=until)
    page = access_log.page_of_records(criteria, request.args.get("page", 1, type=int),
                                      current_app.config["PARTICIPANTS_PER_PAGE"])
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("privacy/access_log.html", filters=filters, page=page, query_args=query_args,
                           kinds=ACCESS_KINDS)
