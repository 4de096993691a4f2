"""The ``ondeck`` command. Every command reads ONDECK_* settings from the environment/.env.

Modules only some commands need (the organisation file format, password hashing, the web
server) are imported inside those commands, so every other command starts sooner.
"""

from __future__ import annotations

import logging
import signal
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from ondeck.cli import command, roles
from ondeck.cli.away import away_app
from ondeck.cli.common import container, fail, in_zone, out, problem, read_time
from ondeck.cli.contacts import contact_app
from ondeck.cli.overrides import override_app
from ondeck.cli.reports import report_app
from ondeck.cli.schedules import schedule_app, user_calendar
from ondeck.cli.status_updates import status_update_app
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus
from ondeck.services import incidents, org, people
from ondeck.services import roles as incident_roles
from ondeck.services.errors import InvalidOrg, NotFound, ServiceError
from ondeck.services.ports import IncidentFilter

app = typer.Typer(
    help="ondeck: alerts in, the right person paged, escalation until someone acknowledges.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(schedule_app, name="schedule")
app.add_typer(override_app, name="override")
app.add_typer(away_app, name="away")
app.add_typer(report_app, name="report")
app.add_typer(contact_app, name="contact")
app.add_typer(status_update_app, name="status-update")
user_app.command("calendar")(user_calendar)


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    c = container()
    c.migrate()
    out.print("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    no_engine: Annotated[
        bool, typer.Option("--no-engine", help="Serve web and API only; run `ondeck engine` apart")
    ] = False,
) -> None:
    """Serve the web UI, the API and ingest, and (unless --no-engine) run the engine too."""
    import uvicorn

    from ondeck.engine.worker import Engine
    from ondeck.web.app import create_app

    c = container()
    _logging(c.settings.log_level)
    c.migrate()
    if c.settings.inbound_smtp_url:
        out.print(f"inbound mail on {c.start_inbound_mail()}", highlight=False)
    worker = None
    if not no_engine:
        c.listen_for_work()
        worker = Engine(c)
        worker.start()
    try:
        uvicorn.run(
            create_app(c),
            host=host,
            port=port,
            log_level=c.settings.log_level,
            access_log=False,
            proxy_headers=True,
        )
    finally:
        if worker is not None:
            worker.stop()
        c.close()


@app.command()
def engine() -> None:
    """Run only the engine: fire escalations and deliver pages (scale out on PostgreSQL)."""
    from ondeck.engine.worker import Engine

    c = container()
    _logging(c.settings.log_level)
    c.migrate()
    c.listen_for_work()
    worker = Engine(c)

    def _stop(_signum: int, _frame: object) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run()
    c.close()


@app.command()
def apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="Organisation YAML ('-' for stdin)")],
) -> None:
    """Create or update users, teams, schedules, policies and services from a YAML file.

    Idempotent: applying the same file again changes nothing. A file with any problem
    changes nothing at all.
    """
    from ondeck.adapters.orgfile import OrgFileError, parse_org, read_org_file

    filename = "<stdin>" if str(file) == "-" else str(file)
    try:
        spec = parse_org(sys.stdin.read(), filename) if str(file) == "-" else read_org_file(file)
    except OrgFileError as error:
        for item in error.problems:
            problem(f"{error.filename}: {item}")
        raise typer.Exit(2) from error
    c = container()
    c.migrate()
    try:
        counts = org.apply_org(uow=c.uow, clock=c.clock, spec=spec)
    except InvalidOrg as error:
        for item in error.problems:
            problem(f"{filename}: {item}")
        raise typer.Exit(2) from error
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    out.print(f"applied {escape(filename)}: {summary}", highlight=False)


@app.command()
def export() -> None:
    """Print the organisation in the YAML format `ondeck apply` reads."""
    from ondeck.adapters.orgfile import dump_org

    c = container()
    sys.stdout.write(dump_org(org.export_org(uow=c.uow)))


@app.command()
def demo(
    password: Annotated[str, typer.Option(help="Password for every demo user")] = "ondeck-demo",
) -> None:
    """Load the demo organisation (idempotent) and give every demo user a password."""
    from ondeck.adapters.orgfile import parse_org
    from ondeck.services import accounts

    c = container()
    c.migrate()
    text = resources.files("ondeck").joinpath("demo/org.yaml").read_text(encoding="utf-8")
    spec = parse_org(text, "demo/org.yaml")
    org.apply_org(uow=c.uow, clock=c.clock, spec=spec)
    for user in spec.users:
        accounts.set_password(uow=c.uow, email=user.email, password=password)
    out.print(f"demo loaded: sign in as {spec.users[0].email} with password {password!r}")


def _parse_at(at: str | None) -> datetime:
    """``--at``: ISO 8601; a naive time is UTC (oncall spans schedules in many zones)."""
    moment = read_time("--at", at)
    return datetime.now(UTC) if moment is None else in_zone(moment, "UTC")


def _on_call_now(item: people.OnCall) -> str:
    names = ", ".join(f"{p.name} <{p.email}>" for p in item.now) or "nobody"
    return f"{names} ({item.reason})" if item.reason and item.now else names


@app.command()
def oncall(
    schedule: Annotated[str | None, typer.Option(help="Only this schedule")] = None,
    at: Annotated[
        str | None, typer.Option(help="ISO 8601 time or date (default now; naive = UTC)")
    ] = None,
) -> None:
    """Who is on call now (or --at a time), and who is next, per schedule.

    Overrides, trades and absences count: someone on call other than by their own turn in a
    rotation is shown with why (override #N, trade #N, standing in for NAME).
    """
    c = container()
    try:
        found = people.who_is_on_call(uow=c.uow, at=_parse_at(at), schedule_name=schedule)
    except NotFound as error:
        fail(str(error))
    table = Table("schedule", "on call", "until", "next")
    for item in found:
        table.add_row(
            escape(item.schedule),
            escape(_on_call_now(item)),
            item.next_change.isoformat(timespec="minutes") if item.next_change else "-",
            escape(", ".join(p.name for p in item.next) or "-"),
        )
    out.print(table)


@app.command("incidents")
def list_incidents(
    status: Annotated[
        list[IncidentStatus] | None, typer.Option(help="Filter by status (repeatable)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """List incidents, newest first."""
    c = container()
    records, total = incidents.list_incidents(
        uow=c.uow, query=IncidentFilter(statuses=tuple(status or ()), limit=limit)
    )
    table = Table("#", "status", "urgency", "service", "title", "created (UTC)")
    for r in records:
        table.add_row(
            str(r.number),
            r.status.value,
            r.urgency.value,
            escape(r.service_name),
            escape(r.title),
            r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    out.print(table)
    out.print(f"{len(records)} of {total} incidents")


def _act(action: str, number: int, as_user: str | None) -> None:
    c = container()
    use_case = incidents.acknowledge if action == "ack" else incidents.resolve
    try:
        record = use_case(
            uow=c.uow, clock=c.clock, incident_id=number, actor=as_user or "cli", via="cli"
        )
    except (NotFound, InvalidTransition) as error:
        fail(str(error))
    out.print(f"incident #{record.number} is {record.status.value}")
    if action == "ack" and as_user:
        taken = incident_roles.take_paged_role_by_email(
            uow=c.uow, clock=c.clock, incident_id=number, email=as_user
        )
        if taken is not None:
            out.print(f"{as_user} is the {taken.label}")


@app.command()
def ack(
    number: int,
    as_user: Annotated[str | None, typer.Option("--as", help="Record this email as actor")] = None,
) -> None:
    """Acknowledge incident NUMBER: all further pages for it stop."""
    _act("ack", number, as_user)


@app.command()
def resolve(
    number: int,
    as_user: Annotated[str | None, typer.Option("--as", help="Record this email as actor")] = None,
) -> None:
    """Resolve incident NUMBER."""
    _act("resolve", number, as_user)


@app.command()
def escalate(
    number: int,
    as_user: Annotated[str | None, typer.Option("--as", help="Record this email as actor")] = None,
) -> None:
    """Page the next escalation level of incident NUMBER now.

    An acknowledged incident is triggered again; refused after the policy's last level.
    """
    from ondeck.services import actions

    c = container()
    try:
        outcome = actions.escalate_now(
            uow=c.uow, clock=c.clock, incident_id=number, actor=as_user or "cli", via="cli"
        )
    except (NotFound, InvalidTransition) as error:
        fail(str(error))
    out.print(escape(outcome.summary))


@app.command()
def snooze(
    number: int,
    minutes: Annotated[int, typer.Option(help="How long, 1 to 1440 minutes")] = 60,
    as_user: Annotated[str | None, typer.Option("--as", help="Record this email as actor")] = None,
) -> None:
    """Acknowledge incident NUMBER now and page again after MINUTES unless resolved.

    When the snooze runs out the escalation starts over from its first level.
    """
    from datetime import timedelta

    from ondeck.services import actions

    c = container()
    try:
        outcome = actions.snooze_for(
            uow=c.uow,
            clock=c.clock,
            incident_id=number,
            actor=as_user or "cli",
            via="cli",
            length=timedelta(minutes=minutes),
        )
    except (NotFound, InvalidTransition) as error:
        fail(str(error))
    out.print(escape(outcome.summary))


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="Email of the token's user")],
    name: Annotated[str, typer.Option(help="A note to recognise the token by")] = "",
) -> None:
    """Create an API token; it is printed once, on the last line."""
    from ondeck.services import accounts

    c = container()
    try:
        token = accounts.create_token(uow=c.uow, clock=c.clock, email=user, name=name)
    except NotFound as error:
        fail(str(error))
    out.print(f"API token for {escape(user)} (shown once; store it now):")
    sys.stdout.write(token + "\n")


@app.command("webhook-secret")
def webhook_secret() -> None:
    """Print the key outbound webhooks are signed with, for receivers to verify them."""
    from ondeck.bootstrap import webhook_secret as signing_secret

    sys.stdout.write(signing_secret(container().settings) + "\n")


@user_app.command("password")
def user_password(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set the web sign-in password of the user with EMAIL."""
    from ondeck.services import accounts

    c = container()
    try:
        accounts.set_password(uow=c.uow, email=email, password=password)
    except ServiceError as error:
        fail(str(error))
    out.print(f"password set for {escape(email)}")


_SQL_BUGS = ("syntax error", "no such column")
"""SQLite reports these as OperationalError too, but they are ondeck's bugs: show the trace."""


# Major incidents' commands come after the paging ones in `ondeck --help`.
command.register(app)
roles.register(app)


def _database_problem(error: OperationalError | ProgrammingError) -> str | None:
    """What to tell the operator about a database failure, or None when it is a bug."""
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    if "no such table" in reason or getattr(error.orig, "sqlstate", None) == "42P01":
        return f"the database has no ondeck tables yet; run `ondeck db upgrade` ({reason})"
    if isinstance(error, OperationalError) and not any(bug in reason for bug in _SQL_BUGS):
        return f"cannot use the database named by ONDECK_DATABASE_URL: {reason}"
    return None


def run() -> None:
    try:
        app(prog_name="ondeck")
    except (OperationalError, ProgrammingError) as error:
        message = _database_problem(error)
        if message is None:
            raise
        problem(message)
        sys.exit(1)
