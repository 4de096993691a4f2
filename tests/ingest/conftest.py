"""Fixtures for the ingest contract tests, each on SQLite and on PostgreSQL in turn.

``stack`` is the web application served by uvicorn on a thread of this process (real HTTP
on loopback, no engine), shared by one module; ``served`` is a real ``ondeck serve``
process with its engine and a real SMTP server, shared by the whole package, for real
clients and anything that must be paged.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller

from ondeck.web.app import create_app
from tests.conftest import (
    Mailbox,
    free_port,
    ondeck_env,
    start_process,
    stop_process,
    wait_healthy,
)
from tests.ingest.harness import (
    CollectMail,
    Served,
    Stack,
    prepared_container,
    serve_in_thread,
    throwaway_database,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp(f"stack-{request.param}")
    with throwaway_database(request.param, directory) as url:
        container, token = prepared_container(url)
        try:
            with (
                serve_in_thread(create_app(container)) as base_url,
                httpx.Client(base_url=base_url, timeout=10) as client,
            ):
                yield Stack(client=client, token=token, container=container)
        finally:
            container.close()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp(f"served-{request.param}")
    smtp_port = free_port()
    mailbox = Mailbox(host="127.0.0.1", port=smtp_port)
    smtp = Controller(CollectMail(mailbox), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        with throwaway_database(request.param, directory) as database_url:
            container, token = prepared_container(database_url)
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = ondeck_env(database_url, ONDECK_SMTP_URL=mailbox.url, ONDECK_BASE_URL=url)
            process = start_process(env, ["serve", "--port", str(port)], directory / "server.log")
            try:
                wait_healthy(url, process)
                with httpx.Client(base_url=url, timeout=10) as client:
                    yield Served(
                        client=client, token=token, container=container, url=url, mailbox=mailbox
                    )
            finally:
                stop_process(process)
                container.close()
    finally:
        smtp.stop()
