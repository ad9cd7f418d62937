"""The organizer's downloads of the post-event report."""

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from conference.agenda.models import AgendaSession
from conference.downloads.services import latest, new_download, queue_preparation
from conference.events.access import event_blueprint, of_event_or_404
from conference.i18n import translated
from conference.privacy.access_log import record_access
from conference.registration.labels import STATUS_LABELS
from conference.registration.services import status_counts
from conference.resolutions.labels import STATUS_LABELS as RECOMMENDATION_LABELS
from conference.spreadsheets import csv_bytes, xlsx_bytes
from conference.timeutil import utcnow

from . import press, services
from .dashboard import build_dashboard
from .forms import PressReleaseForm
from .session_lists import csv_rows, session_lists, tables

bp = event_blueprint("reports", __name__)

REGISTRATION_STATE_LABELS = {
    "open": _l("open"),
    "not_open_yet": _l("not open yet"),
    "closed": _l("closed"),
    "full": _l("closed: all places are taken"),
}


@bp.route("")
def dashboard():
    """One event's dashboard: its figures (refreshed in place from dashboard_figures) and the way to everything."""
    return render_template("reports/dashboard.html", **_dashboard())


@bp.route("/figures")
def dashboard_figures():
    """The dashboard's figures alone, for its refresh every half minute."""
    return render_template("reports/_dashboard_figures.html", **_dashboard())


def _dashboard() -> dict:
    return {"event": g.event, "dashboard": build_dashboard(g.event), "state_labels": REGISTRATION_STATE_LABELS,
            "status_labels": translated(STATUS_LABELS), "recommendation_labels": RECOMMENDATION_LABELS,
            "generated": utcnow()}


def report_language() -> str:
    return "en" if request.args.get("lang") == "en" else "ru"


@bp.route("/report.pdf")
def report_pdf():
    """The report at once; for a large event (more than REPORT_PREPARED_ABOVE registrations), a page that has a
    job prepare it, since it would take longer than a request should."""
    event = g.event
    language = report_language()
    if sum(status_counts(event).values()) > current_app.config["REPORT_PREPARED_ABOVE"]:
        return render_template("reports/prepare.html", event=event, language=language,
                               prepared=[download for download in latest(event.id, "report", limit=6)
                                         if download.params.get("language") == language])
    pdf = services.render_report_pdf(event, language)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=report-{event.slug}-{language}.pdf"})


@bp.route("/report.xlsx")
def report_xlsx():
    event = g.event
    language = report_language()
    return Response(services.render_report_xlsx(event, language),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=report-{event.slug}-{language}.xlsx"})


@bp.route("/report.pdf", methods=["POST"])
def prepare_report():
    event = g.event
    language = report_language()
    download = new_download(event.id, "report", f"report-{event.slug}-{language}.pdf", {"language": language}, 1,
                            current_user.id)
    queue_preparation(download)
    return redirect(url_for("downloads.show", download_id=download.id))


@bp.route("/sessions/<int:session_id>/lists")
def session_people(session_id: int):
    """Who a session had: signed up, waiting, came, signed up and did not come."""
    session = of_event_or_404(AgendaSession, session_id, g.event)
    return render_template("reports/session_lists.html", event=g.event, session=session,
                           lists=session_lists(session))


@bp.route("/sessions/<int:session_id>/lists.<any(csv, xlsx):fmt>")
def session_people_export(session_id: int, fmt: str):
    event = g.event
    session = of_event_or_404(AgendaSession, session_id, event)
    lists = session_lists(session)
    record_access("export", event, lists.people, detail=f"{fmt} session_id={session.id}")
    filename = f"session-{session.id}-{event.slug}.{fmt}"
    if fmt == "csv":
        return Response(csv_bytes(*csv_rows(lists, event.timezone)), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={filename}"})
    return Response(xlsx_bytes(tables(lists, event.timezone)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# ---- the press release ----------------------------------------------------------------------------------------

@bp.route("/press-release/<any(ru, en):language>", methods=["GET", "POST"])
def press_release(language: str):
    """The press release drafted from the data, which the organizers edit, keep, copy and download. (It names no
    participant: not in the access log.)"""
    event = g.event
    form = PressReleaseForm()
    theirs = None  # someone else's text, saved while this organizer edited
    if form.validate_on_submit():
        try:
            press.save_text(event, language, form.text.data, current_user, form.version_seen)
        except press.PressReleaseError as refused:
            theirs = refused.saved
            form.text.errors.append(_("Someone saved this text while you edited it: yours is below, not saved. "
                                      "Their text is under it; saving again keeps yours in its place."))
        else:
            flash(_("The press release is saved."), "success")
            return redirect(url_for(".press_release", language=language))
    current = press.press_text(event, language)
    form.text.render_kw = dict(form.text.render_kw, lang=language)  # spelling checked in the text's language
    if request.method == "GET":
        form.text.data = current.text
    if request.method == "GET" or theirs is not None:
        form.version.data = str(current.saved.version) if current.saved else ""
    return render_template("reports/press_release.html", event=event, language=language, form=form, current=current,
                           theirs=theirs, max_length=press.MAX_LENGTH)


@bp.route("/press-release/<any(ru, en):language>/redraft", methods=["GET", "POST"])
def redraft_press_release(language: str):
    """Drafts the text again from the data: asked first, since the edits are lost."""
    event = g.event
    if request.method == "POST":
        press.redraft(event, language, current_user)
        flash(_("The press release is drafted again from the data."), "success")
        return redirect(url_for(".press_release", language=language))
    return render_template("reports/press_release_redraft.html", event=event, language=language,
                           saved=press.press_release(event, language))


@bp.route("/press-release/<any(ru, en):language>.docx")
def press_release_docx(language: str):
    """The saved text (the draft, before anyone saved one) as a Word document."""
    event = g.event
    saved = press.press_release(event, language)
    text = saved.text if saved else press.draft(event, language)
    return Response(press.docx_bytes(event, language, text),
                    mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename=press-release-{event.slug}-{language}.docx"})
