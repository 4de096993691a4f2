"""A major incident's customer-facing status updates from the command line:
``ondeck status-update list|write|edit|publish``.

Each change acts as ``--as EMAIL`` (default: the CLI's admin). Bad input is ``error: …`` with
exit status 2; any other refusal (unknown update, not a participant, already published)
exit status 1; nothing changes then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from ondeck.bootstrap import Container
from ondeck.cli.common import acting, container, fail, refusals, say
from ondeck.services import status_updates
from ondeck.services.command import BadInput
from ondeck.services.ports import StatusComponentRecord, StatusUpdateRecord

status_update_app = typer.Typer(
    help="A major incident's updates for the public status page.", no_args_is_help=True
)

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email)")]
Title = Annotated[str | None, typer.Option(help="The public title (never the internal one)")]
Body = Annotated[str | None, typer.Option(help="What customers read")]
Status = Annotated[
    str | None, typer.Option(help="investigating, identified, monitoring or resolved")
]
Impact = Annotated[
    str | None,
    typer.Option(
        help="operational, under_maintenance, degraded_performance, partial_outage, major_outage"
    ),
]
Components = Annotated[
    list[int] | None,
    typer.Option("--component", help="A public component's id (repeat; see `list`)"),
]


@contextmanager
def _refusals() -> Iterator[None]:
    with refusals():
        try:
            yield
        except BadInput as error:
            fail(str(error), 2)


def _show(update: StatusUpdateRecord, named: dict[int, StatusComponentRecord]) -> None:
    state = (
        f"published {update.published_at:%Y-%m-%d %H:%M} UTC by {update.published_by}"
        if update.published_at
        else "draft"
    )
    parts = [f"{named[c].group}: {named[c].name} [{c}]" for c in update.components if c in named]
    say(f"update {update.id} ({state}) — {update.status.value}, {update.impact.value}")
    say(f"  stage: {update.stage.value.replace('_', ' ')}")
    say(f"  title: {update.title}")
    say(f"  body: {update.body}")
    say(f"  components: {', '.join(parts) or 'none'}")


def _components(c: Container) -> dict[int, StatusComponentRecord]:
    return {x.id: x for x in status_updates.components(uow=c.uow)}


@status_update_app.command("list")
def list_updates(number: int) -> None:
    """Every status update of incident NUMBER (drafts too) and the public components.

    Updates are listed oldest first; each component shows its id in brackets, which
    ``--component`` takes."""
    c = container()
    with _refusals():
        found = status_updates.updates(uow=c.uow, incident_id=number)
    named = _components(c)
    for update in found:
        _show(update, named)
    if not found:
        say(f"incident #{number} has no status updates")
    listed = ", ".join(f"{x.group}: {x.name} [{x.id}]" for x in named.values())
    say(f"public components: {listed or 'none (give a service a status_page in the org file)'}")


@status_update_app.command("write")
def write(
    number: int,
    title: Annotated[str, typer.Option(help="The public title (never the internal one)")],
    body: Annotated[str, typer.Option(help="What customers read")],
    status: Annotated[str, typer.Option(help="investigating, identified, monitoring, resolved")],
    impact: Annotated[str, typer.Option(help="degraded_performance, major_outage, ...")],
    component: Components = None,
    as_user: AsUser = None,
) -> None:
    """Write a new draft update for incident NUMBER (publish it to make it public)."""
    _act(
        container(),
        status_updates.write_update,
        as_user,
        incident_id=number,
        title=title,
        body=body,
        status=status,
        impact=impact,
        components=component or [],
    )


@status_update_app.command("edit")
def edit(
    number: int,
    update_id: Annotated[int, typer.Argument(metavar="UPDATE")],
    title: Title = None,
    body: Body = None,
    status: Status = None,
    impact: Impact = None,
    component: Components = None,
    as_user: AsUser = None,
) -> None:
    """Change the given parts of draft UPDATE of incident NUMBER."""
    _act(
        container(),
        status_updates.edit_update,
        as_user,
        incident_id=number,
        update_id=update_id,
        title=title,
        body=body,
        status=status,
        impact=impact,
        components=component,
    )


@status_update_app.command("publish")
def publish(
    number: int,
    update_id: Annotated[int, typer.Argument(metavar="UPDATE")],
    as_user: AsUser = None,
) -> None:
    """Publish draft UPDATE of incident NUMBER to the status page and its subscribers."""
    c = container()
    _act(
        c,
        status_updates.publish_update,
        as_user,
        incident_id=number,
        update_id=update_id,
        signer=c.link_secrets,
        base_url=c.links.base_url,
    )


def _act(
    c: Container,
    use_case: Callable[..., StatusUpdateRecord],
    as_user: str | None,
    **kwargs: Any,
) -> None:
    actor = acting(c, as_user)
    with _refusals():
        update = use_case(uow=c.uow, clock=c.clock, actor=actor, **kwargs)
    _show(update, _components(c))
