"""The organizer's downloads of the post-event report."""

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from conference.downloads.services import latest, new_download, queue_preparation
from conference.events.access import event_blueprint
from conference.registration.services import status_counts

from . import services

bp = event_blueprint("reports", __name__)


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
