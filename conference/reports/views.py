"""The organizer's downloads of the post-event report."""

from flask import Blueprint, Response, request

from conference.accounts.access import organizer_required
from conference.events.access import event_or_404

from . import services

bp = Blueprint("reports", __name__)


def report_language() -> str:
    return "en" if request.args.get("lang") == "en" else "ru"


@bp.route("/manage/events/<slug>/report.pdf")
@organizer_required
def report_pdf(slug: str):
    event = event_or_404(slug)
    language = report_language()
    pdf = services.render_report_pdf(event, language)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=report-{event.slug}-{language}.pdf"})


@bp.route("/manage/events/<slug>/report.xlsx")
@organizer_required
def report_xlsx(slug: str):
    event = event_or_404(slug)
    language = report_language()
    return Response(services.render_report_xlsx(event, language),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=report-{event.slug}-{language}.xlsx"})
