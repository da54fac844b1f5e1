"""The `casp` command: serve, worker, migrate, and user (the operator's accounts)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import getpass
import importlib
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn

from app import db, logs
from app.config import ConfigError, Settings
from app.errors import AppError, ValidationFailed
from app.jobs.tasks import make_worker
from app.runtime import Runtime, install
from app.services.accounts import admin

log = logging.getLogger("casp")


def _migrate(settings: Settings) -> None:
    asyncio.run(db.migrate(settings))


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    print("migrations applied")
    return 0


def _freeze_startup_heap() -> None:
    """Import the app (schema, models, routes), then move everything alive to the collector's
    permanent generation: full collections no longer scan those ~100,000 objects, which cut
    their pauses (the p99 of fast requests) from about 74 ms to 16 ms (docs/benchmarks.md)."""
    importlib.import_module("app.main")
    gc.collect()
    gc.freeze()


KEEP_ALIVE_SECONDS = 5  # an idle connection is closed after this; a proxy's must be shorter


def serve_options(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """uvicorn's settings. Past `limit_concurrency` connections (or requests in progress) it
    answers 503. uvicorn has no timeout for a request's headers: run casp behind a reverse
    proxy (README); the body's timeout is BodyLimit's (app/middleware.py)."""
    return {"host": args.host or settings.host,
            "port": args.port if args.port is not None else settings.port,
            "log_config": None, "proxy_headers": True,
            "forwarded_allow_ips": settings.forwarded_allow_ips,
            "timeout_keep_alive": KEEP_ALIVE_SECONDS,
            "limit_concurrency": settings.max_connections}


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    _freeze_startup_heap()
    options = serve_options(args, settings)
    # The app gets these settings (not its own from the environment): the mails' links
    # follow --host and --port unless CASP_PUBLIC_URL is set.
    serving = settings.serving_at(options["host"], options["port"])
    config = uvicorn.Config(functools.partial(_create_app, serving), factory=True, **options)
    server = _Server(config, _MetricsListener.of(settings), serving.public_url)
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(server.serve())
    return 0 if server.started else 3  # 3: uvicorn's own "could not start"


def _create_app(settings: Settings) -> Any:
    from app.main import create_app  # imported by _freeze_startup_heap already

    return create_app(settings)


class _MetricsListener(uvicorn.Server):
    """/metrics on CASP_METRICS_LISTEN, in `casp serve`'s event loop beside the app. It binds
    its port before anything starts (a taken port stops casp at once, exit status 3) and
    leaves the signals to the app's server, which starts and stops it."""

    sockets: list[socket.socket]

    @classmethod
    def of(cls, settings: Settings) -> _MetricsListener | None:
        if settings.metrics_listen is None:
            return None
        host, port = settings.metrics_listen
        listener = cls(uvicorn.Config("app.main:metrics_app", factory=True, host=host,
                                      port=port, log_config=None, lifespan="off"))
        listener.sockets = [listener.config.bind_socket()]
        return listener

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Server(uvicorn.Server):
    """The app's server; with a metrics listener, that one serves from when the app's
    lifespan has installed the runtime /metrics reads until before it shuts down."""

    def __init__(self, config: uvicorn.Config, beside: _MetricsListener | None,
                 public_url: str = ""):
        super().__init__(config)
        self.beside = beside
        self.public_url = public_url
        self.beside_task: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.public_url:  # the line a newcomer looks for
            log.info("casp is up: open %s/ in a browser (the dashboard; GraphQL at /graphql, "
                     "REST at /api/v1/)", self.public_url)
        if self.beside is not None and not self.should_exit:
            self.beside_task = asyncio.create_task(
                self.beside.serve(sockets=self.beside.sockets))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.beside is not None and self.beside_task is not None:
            self.beside.should_exit = True
            await self.beside_task
        await super().shutdown(sockets)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    asyncio.run(_work(settings))
    return 0


async def _work(settings: Settings) -> None:
    """Run jobs until SIGTERM or SIGINT: then finish or release the current ones and exit."""
    runtime = Runtime.build(settings)
    install(runtime)
    await db.connect(settings)
    worker = make_worker(runtime)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(worker.run())
    try:
        await stop.wait()
    finally:
        await worker.stop(task)
        await runtime.events.close()
        await db.disconnect()
        await runtime.limiter.close()


async def _with_runtime(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    """Run `work` with the database and the runtime (events reach the serving processes)."""
    runtime = Runtime.build(settings)
    install(runtime)
    await db.connect(settings)
    try:
        return await work()
    except AppError as exc:
        print(f"casp: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await runtime.events.close()
        await db.disconnect()
        await runtime.limiter.close()
        install(None)


def _read_password() -> str:
    """From the terminal (asked twice), or the first line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValidationFailed("the two passwords differ", field="password")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    return asyncio.run(_with_runtime(settings, lambda: _user_action(args)))


async def _user_action(args: argparse.Namespace) -> int:
    if args.action == "add":
        user, token = await admin.add_user(email=args.email, password=_read_password(),
                                           name=args.name)
        print(f"added user {user.id} <{user.email}> (email verified)\ntoken: {token}")
    elif args.action == "list":
        for row in await admin.list_users():
            state = "disabled" if row.disabled else "active"
            print(f"{row.id}\t{row.email}\t{state}\t"
                  f"{'verified' if row.email_verified else 'unverified'}\t"
                  f"{row.created_at:%Y-%m-%d}")
    else:
        user = await admin.set_disabled(email=args.email, disabled=args.action == "disable")
        what = "disabled; its API token is retired" if user.disabled else "enabled"
        print(f"user {user.id} <{user.email}> {what}")
    return 0


def _user_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="accounts, as the operator: add, list, disable, enable")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a verified account; the password is read from "
                                         "the terminal or the first line of standard input")
    add.add_argument("email")
    add.add_argument("--name", default=None)
    actions.add_parser("list", help="every account, one a line")
    for action, text in (("disable", "no login, its token retired, its sockets closed"),
                         ("enable", "let a disabled account log in again")):
        actions.add_parser(action, help=text).add_argument("email")
    user.set_defaults(func=cmd_user)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="casp", description="casp certificate automation server")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply pending migrations, then serve HTTP")
    serve.add_argument("--host", help="address to listen on (default: CASP_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: CASP_PORT, 8000)")
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(func=cmd_migrate)
    worker = sub.add_parser("worker", help="run background jobs (issuance) in this process")
    worker.set_defaults(func=cmd_worker)
    _user_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"casp: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    return int(args.func(args, settings))


if __name__ == "__main__":
    sys.exit(main())
