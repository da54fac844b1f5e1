"""app/routing.py: the fixed-path dict finds the route Starlette's loop would find."""

from __future__ import annotations

import asyncio

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route

from app.main import create_app
from app.routing import Casp, FixedPathsFirst


def _answer(text: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(text)
    return endpoint


def test_a_fixed_path_behind_a_matching_parameter_path_keeps_starlettes_order() -> None:
    app = Casp(routes=[Route("/items/{name}", _answer("param")),
                       Route("/items/new", _answer("fixed")),
                       Route("/other", _answer("other"), methods=["POST"])])
    router = app.router
    assert isinstance(router, FixedPathsFirst)
    assert "/items/new" not in router.fixed and "/other" in router.fixed

    async def ask() -> list[tuple[int, str]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            answers = [await client.get("/items/new"), await client.post("/other"),
                       await client.get("/other"), await client.get("/nowhere")]
        return [(a.status_code, a.text) for a in answers]

    answers = asyncio.run(ask())
    assert answers[:2] == [(200, "param"), (200, "other")]
    assert [status for status, _ in answers[2:]] == [405, 404]  # Starlette's loop answers


def test_every_fixed_route_of_the_app_is_the_first_that_matches() -> None:
    router = create_app().router
    assert isinstance(router, FixedPathsFirst)
    assert {"/graphql", "/api/v1/certificates.php", "/healthz"} <= set(router.fixed)
    for path, route in router.fixed.items():
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        first = next(r for r in router.routes if r.matches(scope)[0] is not Match.NONE)
        assert first is route, path
