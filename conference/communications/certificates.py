"""Certificates of participation: an A4 page in the participant's language naming the event, its dates, the person
and the sessions they attended (by the check-ins at the sessions' doors), with a QR code of the URL where anybody can
check it. Nothing is stored: a certificate is whatever its registration says now. It holds for a participant who
came (checked in at least once), and is revoked when the registration is erased; the verification page then says
since when."""

import base64
import io
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from flask import render_template, url_for
from flask_babel import force_locale
from sqlalchemy import select

from conference import tokens
from conference.agenda.models import AgendaSession
from conference.checkin.models import CheckIn
from conference.downloads.services import download_kind
from conference.extensions import db
from conference.pdf import render_pdf
from conference.registration.models import Participant

CERTIFICATE = "certificate"  # the purpose of the verification links


@dataclass
class Verdict:
    participant: Participant
    valid: bool
    revoked_at: datetime | None  # erased then


def attended(participant: Participant) -> bool:
    return db.session.scalar(select(CheckIn.id).where(CheckIn.participant_id == participant.id).limit(1)) is not None


def who_attended(event_id: int) -> list[Participant]:
    came = select(CheckIn.participant_id).where(CheckIn.event_id == event_id)
    return list(db.session.scalars(select(Participant).where(Participant.id.in_(came), Participant.erased_at.is_(None))
                                   .order_by(Participant.last_name, Participant.first_name, Participant.id)))


def sessions_attended(participant: Participant) -> list[AgendaSession]:
    return list(db.session.scalars(
        select(AgendaSession).join(CheckIn, CheckIn.session_id == AgendaSession.id)
        .where(CheckIn.participant_id == participant.id).order_by(AgendaSession.starts_at)))


def verification_url(participant: Participant) -> str:
    return url_for("communications_public.certificate", token=tokens.sign(CERTIFICATE, {"p": participant.id}),
                   _external=True)


def verdict(token: str) -> Verdict | None:
    """What a verification link says; None for a link that is not ours. Raises nothing: a forged link is unknown."""
    try:
        payload = tokens.unsign(CERTIFICATE, token, None)
    except tokens.InvalidToken:
        return None
    participant_id = payload.get("p") if isinstance(payload, dict) else None
    participant = db.session.get(Participant, participant_id) if isinstance(participant_id, int) else None
    if participant is None:
        return None
    if participant.erased_at is not None:
        return Verdict(participant, False, participant.erased_at)
    return Verdict(participant, attended(participant), None)


def qr_svg(url: str) -> str:
    """The QR code as an SVG data URL: vector, sharp at any print size."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def page_of(participant: Participant) -> str:
    """One certificate's page, in the participant's language."""
    with force_locale(participant.language):
        url = verification_url(participant)
        return render_template("communications/certificate_page.html", participant=participant,
                               event=participant.event, sessions=sessions_attended(participant), url=url,
                               qr=qr_svg(url), language=participant.language)


def render_certificates(participants: list[Participant], progress=lambda done: None) -> bytes:
    pages = []
    for number, participant in enumerate(participants, start=1):
        pages.append(page_of(participant))
        if number % 50 == 0:  # (each report of progress is a commit)
            progress(number)
    language = participants[0].language if participants else "ru"
    return render_pdf(render_template("communications/certificates.html", pages=pages, language=language),
                      tagged=True)


@download_kind("certificates")
def everyone_s_certificates(download, progress) -> bytes:
    """The job's file: a certificate for everyone who came, in alphabetical order."""
    return render_certificates(who_attended(download.event_id), progress)
