from flask import Response, abort, g, redirect, render_template, url_for
from flask_babel import gettext as _

from conference.events.access import event_blueprint, of_event_or_404
from conference.privacy.access_log import record_access

from . import services
from .models import Download, DownloadStatus

bp = event_blueprint("downloads", __name__, "/downloads")


def _download(download_id: int) -> Download:
    return of_event_or_404(Download, download_id, g.event)


@bp.route("/<int:download_id>")
def show(download_id: int):
    """The file's progress (the page reloads itself until it is ready), then the file and what to do with it."""
    download = _download(download_id)
    return render_template("downloads/show.html", event=g.event, download=download, stuck=services.is_stuck(download))


@bp.route("/<int:download_id>/file")
def file(download_id: int):
    download = _download(download_id)
    content = services.content_of(download)
    if content is None:
        abort(404, _("This file is not ready, or no longer kept: prepare it again from its page."))
    if download.kind in ("badges", "certificates"):  # (the report names nobody)
        record_access(download.kind, g.event, download.total, detail=download.filename)
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={download.filename}"})


@bp.route("/<int:download_id>/again", methods=["POST"])
def again(download_id: int):
    """The same file made anew (after it expired or failed), from the same list of what it holds."""
    download = _download(download_id)
    if download.status in (DownloadStatus.EXPIRED, DownloadStatus.FAILED) or services.is_stuck(download):
        services.queue_preparation(download)
    return redirect(url_for(".show", download_id=download.id))
