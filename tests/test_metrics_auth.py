"""/metrics with CITYBOT_METRICS_TOKEN through the real Starlette app: the Bearer scheme in
any case (RFC 7235: schemes are case-insensitive), the token itself exactly."""

from __future__ import annotations

import httpx
import pytest

from bot.metrics import Metrics
from bot.web import bearer_token, build_web

TOKEN = "scrape-token-of-the-auth-tests"


class NoStore:
    """/metrics never touches the store (only /healthz would)."""


def client(token: str | None) -> httpx.AsyncClient:
    app = build_web(NoStore(), None, metrics=Metrics(), metrics_token=token)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"bEaReR {TOKEN}",
     f"Bearer  {TOKEN}", f"  bearer {TOKEN}"],
)  # fmt: skip
async def test_the_scheme_in_any_case_is_accepted(header: str) -> None:
    async with client(TOKEN) as http:
        answer = await http.get("/metrics", headers={"Authorization": header})
    assert answer.status_code == 200, header
    assert "citybot_updates" in answer.text


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "bearer nope", f"bearer {TOKEN.upper()}",
     f"bearer {TOKEN}x", f"bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, f"Bearer{TOKEN}",
     f"bearer {TOKEN} {TOKEN}", f"token {TOKEN}", "bearer \xe9".encode("latin-1")],
)  # fmt: skip
async def test_a_wrong_or_missing_token_is_refused(header: str | bytes | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with client(TOKEN) as http:
        answer = await http.get("/metrics", headers=headers)
    assert answer.status_code == 401, header
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "citybot_" not in answer.text


async def test_without_a_token_metrics_are_open() -> None:
    async with client(None) as http:
        answer = await http.get("/metrics", headers={"Authorization": "bearer anything"})
        bare = await http.get("/metrics")
    assert (answer.status_code, bare.status_code) == (200, 200)


def test_bearer_token_reads_only_the_bearer_scheme() -> None:
    assert bearer_token(f"BeArEr {TOKEN}") == TOKEN
    assert bearer_token(f"bearer   {TOKEN}") == TOKEN
    assert bearer_token(f"Basic {TOKEN}") == ""
    assert bearer_token("") == "" and bearer_token("Bearer") == ""
