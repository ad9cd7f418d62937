"""Commands: `flask users create`, `flask directories load`, `flask demo`, `flask badges`, `flask report` (and
`flask jobs work`, in conference/jobs.py). A command is the boundary of its action: it commits at its end (the
demo, which builds a whole conference, in a few steps of its own)."""

import os

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from .extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(directories)
    app.cli.add_command(demo)
    app.cli.add_command(refresh_statistics_command)
    app.cli.add_command(badges_command)
    app.cli.add_command(report_command)


def refresh_statistics() -> None:
    """ANALYZE: the query planner's row counts. Without them SQLite walks the name index through all 20,000
    participants to find the 200 of one region; PostgreSQL keeps them fresh by itself, SQLite needs asking."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


@click.command("refresh-statistics", help="Refresh the database's query statistics (after large imports).")
@with_appcontext
def refresh_statistics_command():
    refresh_statistics()
    click.echo("Query statistics refreshed.")


users = AppGroup("users", help="Staff users.")


@users.command("create", help="Create a staff user (roles: admin, organizer, checkin).")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "organizer", "checkin"]), required=True)
@click.option("--name", "full_name", default="")
@click.option("--event", "slugs", multiple=True, metavar="SLUG",
              help="An event the organizer or check-in account works on (its address; repeat for several).")
@click.password_option(help="Prompted for when not given.")
def create_user_command(email: str, role: str, full_name: str, slugs: tuple[str, ...], password: str):
    from .accounts.services import UserError, add_member, create_user
    from .events.services import get_event

    if slugs and role == "admin":
        raise click.UsageError("admins work on every event: --event is for organizer and checkin accounts")
    events = [get_event(slug) for slug in dict.fromkeys(slugs)]  # (each once, in the order given)
    unknown = [slug for slug, event in zip(dict.fromkeys(slugs), events, strict=True) if event is None]
    if unknown:  # checked before anything is made: a typo creates no account that works nowhere
        raise click.ClickException(f"no event with the address {', '.join(map(repr, unknown))}: nobody created")
    try:
        user = create_user(email, password, role, full_name)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    for event in events:
        add_member(event.id, user)
    db.session.commit()
    joined = f", member of {', '.join(event.slug for event in events)}" if events else ""
    click.echo(f"Created {user.role} {user.email}{joined}")


directories = AppGroup(
    "directories", help="Reference data: federal subjects and districts, countries, organization types, the bodies "
    "recommendations are addressed to and the national projects."
)


@directories.command("load", help="Add the reference rows that are missing; rows edited by organizers stay.")
def load_directories_command():
    from .directories.services import load_reference_data
    from .resolutions.services import load_defaults

    added = load_reference_data()
    added["bodies and projects"] = load_defaults()
    db.session.commit()
    click.echo("Reference data: " + ", ".join(f"{name} +{count}" for name, count in added.items()))


@click.command(help="Create the demo conference «Промышленная Россия 4.0» with participants and staff logins.")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no event yet.")
@with_appcontext
def demo(if_empty: bool):
    from flask import current_app

    from .demo import DEMO_LOGINS, create_demo
    from .directories.services import load_reference_data
    from .events.models import Event

    if current_app.config["APP_ENV"] != "development":
        raise click.ClickException("the demo has well-known passwords and is not for production")
    has_events = db.session.scalar(select(func.count()).select_from(Event)) > 0
    if if_empty and has_events:
        click.echo("The database already holds events: no demo added.")
    else:
        load_reference_data()
        db.session.commit()
        summary = create_demo()
        db.session.commit()
        refresh_statistics()
        click.echo(summary)
    click.echo(f"Demo staff logins (http://127.0.0.1:{os.environ.get('PORT', '5000')}/login):")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<10} {email}  /  {password}")


@click.command("badges", help="Print the badges of an event's confirmed participants to a PDF file.")
@click.option("--event", "slug", required=True, help="The event's address, e.g. industrial-russia-2018.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--layout", type=click.Choice(["a6", "a4x4", "label-90x54"]), default="a4x4", show_default=True)
@click.option("--only-unprinted", is_flag=True, help="Only badges not printed before.")
@with_appcontext
def badges_command(slug: str, out: str, layout: str, only_unprinted: bool):
    from .badges import services
    from .events.services import get_event
    from .registration.services import ParticipantFilter

    event = get_event(slug)
    if event is None:
        raise click.ClickException(f"no event with the address {slug!r}")
    participants = services.participants_to_print(event, ParticipantFilter(), only_unprinted)
    if not participants:
        raise click.ClickException("no confirmed participant to print a badge for")
    pdf = services.render_badges(event, participants, services.layout_of(layout))
    with open(out, "wb") as handle:
        handle.write(pdf)
    # Written to the file: these have left, and count as printed.
    services.mark_printed(list(services.badges_in_force(participants).values()))
    db.session.commit()
    click.echo(f"{len(participants)} badges ({layout}) written to {out}")


@click.command("report", help="Write an event's post-event report: PDF (--out) and/or the tables as XLSX (--xlsx).")
@click.option("--event", "slug", required=True, help="The event's address, e.g. industrial-russia-2018.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), help="The PDF file to write.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, writable=True), help="The XLSX file to write.")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True)
@with_appcontext
def report_command(slug: str, out: str | None, xlsx: str | None, lang: str):
    from .events.services import get_event
    from .reports import services

    if not out and not xlsx:
        raise click.UsageError("name a file: --out report.pdf and/or --xlsx report.xlsx")
    event = get_event(slug)
    if event is None:
        raise click.ClickException(f"no event with the address {slug!r}")
    if out:
        with open(out, "wb") as handle:
            handle.write(services.render_report_pdf(event, lang))
        click.echo(f"Report ({lang}) written to {out}")
    if xlsx:
        with open(xlsx, "wb") as handle:
            handle.write(services.render_report_xlsx(event, lang))
        click.echo(f"Tables ({lang}) written to {xlsx}")
