"""The working group's desk: its routes on the bot's Starlette app (sign-in, the city's
ranking, review queue, exports, announcements, the optional public page)."""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.desk import pages
from bot.desk.access import Access, Grant, MemberCheck
from bot.desk.auth import SESSION_COOKIE, Attempts, LoginCheck, Sessions, verify_login
from bot.desk.rounds import NoSuchRound, checked_round, public_round, round_query
from bot.fresh_world import FreshWorld
from bot.i18n import Texts, escape_html
from flows.catalogue import LANGS, Lang
from flows.review import queue
from flows.session import Msg
from flows.summary import city_ranking
from flows.text import mask_phones
from flows.world import World
from storage.base import ResidentRef, Store

log = logging.getLogger(__name__)

WIDGET_SCRIPT = "https://telegram.org/js/telegram-widget.js?22"
CSP = (
    "default-src 'self'; script-src 'self' https://telegram.org; "
    "frame-src https://oauth.telegram.org; img-src 'self' data:; style-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin",
    "x-content-type-options": "nosniff",
}
STATIC = "/desk/static/desk.css"
KINDS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Handler = Callable[[Request], Awaitable[Response]]


class Desk:
    """Built once per process; `routes` go into bot.web.build_web."""

    def __init__(
        self,
        store: Store,
        world: World,
        texts: Texts,
        token: str,
        secret: str,
        bot_username: Callable[[], str | None],
        *,
        public_base: str | None = None,
        member_check: MemberCheck | None = None,
        clock: Callable[[], float] = time.time,
        attempts: Attempts | None = None,
    ) -> None:
        self.store, self.world, self.texts, self.token = store, world, texts, token
        # What review taught and the categories accepted from themes, as of the store: every
        # request reads the latest (bot.fresh_world), as the pipeline's turns do.
        self.worlds = FreshWorld(store, world)
        self.bot_username, self.public_base, self.clock = bot_username, public_base, clock
        self.sessions = Sessions(secret, store=store)
        self.access = Access(world, store, member_check)
        self.attempts = attempts or Attempts()
        self.env = Environment(
            loader=PackageLoader("bot.desk", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.css = (files("bot.desk") / "static" / "desk.css").read_bytes()

    # --- rendering --------------------------------------------------------------------------

    def t(self, lang: Lang) -> Callable[..., Markup]:
        def render(msg_id: str, **args: Any) -> Markup:
            return Markup(self.texts.format(lang, Msg(msg_id, args), escape=escape_html))

        return render

    def page(
        self, name: str, lang: Lang, request: Request, status: int = 200, **context: Any
    ) -> Response:
        other = "ky" if lang == "ru" else "ru"
        if name == "error.html":
            # A refusal's address may be a one-time sign-in: the switch leads to the sign-in.
            switch = f"/login?lang={other}"
        else:
            query = dict(request.query_params)
            query["lang"] = other
            switch = f"{request.url.path}?{urlencode(query)}"
        html = self.env.get_template(name).render(
            t=self.t(lang),
            lang=lang,
            switch=switch,
            css=STATIC,
            **context,
        )
        return secured(HTMLResponse(html, status_code=status))

    def refuse(self, request: Request, lang: Lang, status: int, msg_id: str) -> Response:
        return self.page("error.html", lang, request, status, message=msg_id)

    # --- who is asking ----------------------------------------------------------------------

    async def user(self, request: Request) -> int | None:
        return await self.sessions.signed_in(request.cookies.get(SESSION_COOKIE), self.clock())

    async def lang(self, request: Request, user: int | None) -> Lang:
        """?lang=ru|ky, else the language the user chose in the bot, else Russian."""
        asked = request.query_params.get("lang")
        if asked in LANGS:
            return asked  # type: ignore[return-value]
        if user is not None:
            record = await self.store.resident(ResidentRef("tg", str(user)))
            if record is not None and record.lang in LANGS:
                return record.lang  # type: ignore[return-value]
        return "ru"

    async def city_grant(self, request: Request) -> tuple[Grant, Lang] | Response:
        """The signed-in user's rights in the path's city, or the response refusing them."""
        user = await self.user(request)
        if user is None:
            asked = request.query_params.get("lang")
            target = f"/login?lang={asked}" if asked in LANGS else "/login"
            return secured(RedirectResponse(target, status_code=303))
        lang = await self.lang(request, user)
        grant = await self.access.grant(request.path_params["city"], user)
        if grant is None:
            return self.refuse(request, lang, 403, "desk-forbidden-city")
        return grant, lang

    def common(self, request: Request, grant: Grant, lang: Lang) -> dict[str, Any]:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return {
            "grant": grant,
            "city_name": self.world.cities[grant.city].name(lang),
            "csrf": self.sessions.csrf(cookie),
            # The round being looked at: the downloads are of the same round.
            "round_query": round_query(request),
        }

    # --- sign-in ----------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        fields = dict(request.query_params)
        lang = await self.lang(request, None)
        if "hash" not in fields:
            try:
                username = self.bot_username() or ""
            except RuntimeError:  # PTB's Bot before getMe answered (polling starts it)
                username = ""
            base = self.public_base or str(request.base_url).rstrip("/")
            return self.page(
                "login.html",
                lang,
                request,
                widget=WIDGET_SCRIPT,
                bot=username,
                auth_url=f"{base}/login",
            )
        check = verify_login(fields, self.token, self.clock())
        if len(request.query_params.multi_items()) != len(fields):  # a field given twice
            check = LoginCheck(None, "fields")
        # Paced per signed-in Telegram id when genuine, else per client address: behind the
        # TLS proxy every client has the proxy's address, and one stranger's junk must not
        # lock the city's admins out (a hash cannot be forged for their ids).
        client = request.client.host if request.client else "?"
        key = f"id:{check.user_id}" if check.user_id is not None else f"client:{client}"
        if not self.attempts.allow(key):
            refused = self.refuse(request, lang, 429, "desk-too-many")
            # Attempts tells no wait: its window bounds it (the oldest attempt leaves by then).
            refused.headers["retry-after"] = str(max(1, math.ceil(self.attempts.window)))
            return refused
        if check.user_id is None:
            log.info("desk sign-in refused (%s)", check.reason)
            return self.refuse(request, lang, 403, "desk-login-invalid")
        lang = await self.lang(request, check.user_id)
        grants = await self.access.cities(check.user_id)
        if not grants:
            return self.refuse(request, lang, 403, "desk-forbidden")
        target = f"/cities/{grants[0].city}" if len(grants) == 1 else "/desk"
        response = secured(RedirectResponse(target, status_code=303))
        response.set_cookie(
            SESSION_COOKIE,
            self.sessions.issue(check.user_id, self.clock()),
            max_age=self.sessions.lifetime,
            httponly=True,
            secure=True,
            samesite="lax",
            path="/",
        )
        return response

    async def logout(self, request: Request) -> Response:
        form = await pages.small_form(request)
        if isinstance(form, Response):
            return secured(form)
        cookie = request.cookies.get(SESSION_COOKIE)
        signed = self.sessions.user(cookie, self.clock())  # for someone, not expired
        if signed is None or not self.sessions.csrf_holds(cookie, form.get("csrf", "")):
            return self.refuse(request, await self.lang(request, None), 403, "desk-csrf")
        # Still signed in: every copy of the cookie ends too. Signed out elsewhere already:
        # only this browser forgets it (a revoked copy must not sign its owner out again).
        if await self.user(request) is not None:
            await self.sessions.sign_out(cookie or "", self.clock())
        response = secured(RedirectResponse("/login", status_code=303))
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    async def home(self, request: Request) -> Response:
        user = await self.user(request)
        if user is None:
            return secured(RedirectResponse("/login", status_code=303))
        lang = await self.lang(request, user)
        grants = await self.access.cities(user)
        if not grants:
            return self.refuse(request, lang, 403, "desk-forbidden")
        cities = [(g.city, self.world.cities[g.city].name(lang)) for g in grants]
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return self.page(
            "choose.html", lang, request, cities=cities, csrf=self.sessions.csrf(cookie)
        )

    # --- a city -----------------------------------------------------------------------------

    async def city(self, request: Request) -> Response:
        found = await self.city_grant(request)
        if isinstance(found, Response):
            return found
        grant, lang = found
        round_id = await self.round_of(request, grant, lang)
        if isinstance(round_id, Response):
            return round_id
        now, t = datetime.now(UTC), self.t(lang)
        view = await pages.city_page(self.store, self.world, grant.city, lang, t, now, round_id)
        return self.page(
            "city.html",
            lang,
            request,
            view=view,
            signals=await pages.signal_notes(
                self.store, self.world, self.texts, grant.city, round_id, lang
            ),
            small=pages.SMALL_SAMPLE,
            **self.common(request, grant, lang),
        )

    async def round_of(self, request: Request, grant: Grant, lang: Lang) -> int | Response | None:
        """?round= of the city page and its downloads, or a 404 page: no such round."""
        asked = request.query_params.get("round", "")
        try:
            return await checked_round(self.store, grant.city, asked)
        except NoSuchRound as missing:
            context = {**self.common(request, grant, lang), "round_query": ""}
            return self.page("no_round.html", lang, request, 404, asked=str(missing), **context)

    async def review(self, request: Request) -> Response:
        found = await self.city_grant(request)
        if isinstance(found, Response):
            return found
        grant, lang = found
        if not grant.review:
            return self.refuse(request, lang, 403, "desk-forbidden-part")
        learned = (await self.store.learned()).get(grant.city, {})
        wordings = queue(await self.store.unplaced(grant.city), learned)
        items = [(mask_phones(w.sample), len(w.items)) for w in wordings]
        themes = await pages.themes_of(self.store, self.world, grant.city)
        return self.page(
            "review.html",
            lang,
            request,
            items=items,
            themes=themes,
            **self.common(request, grant, lang),
        )

    async def announcements(self, request: Request) -> Response:
        found = await self.city_grant(request)
        if isinstance(found, Response):
            return found
        grant, lang = found
        shown = await pages.announcements(self.store, self.world, grant.city, lang)
        return self.page(
            "announcements.html", lang, request, items=shown, **self.common(request, grant, lang)
        )

    async def export(self, request: Request) -> Response:
        found = await self.city_grant(request)
        if isinstance(found, Response):
            return found
        grant, lang = found
        if not grant.export:
            return self.refuse(request, lang, 403, "desk-forbidden-part")
        if request.path_params["fmt"] not in KINDS:
            return secured(Response(status_code=404))
        round_id = await self.round_of(request, grant, lang)
        if isinstance(round_id, Response):
            return round_id
        from bot.export import Exporter
        from bot.export_file import export_city

        # Streamed into a temporary file as `citybot export` does, removed once it is sent.
        fmt = request.path_params["fmt"]
        name = f"{grant.city}-{pages.city_now(self.world, grant.city):%Y-%m-%d}.{fmt}"
        out = Path(tempfile.mkdtemp(prefix="citybot-desk-")) / name
        try:
            exporter = Exporter(self.world, self.texts)
            await export_city(self.store, exporter, grant.city, fmt, out, lang, round_id=round_id)
        except BaseException:
            shutil.rmtree(out.parent, ignore_errors=True)
            raise
        done = BackgroundTask(shutil.rmtree, out.parent, ignore_errors=True)
        return secured(FileResponse(out, media_type=KINDS[fmt], filename=name, background=done))

    # --- public -----------------------------------------------------------------------------

    async def public(self, request: Request) -> Response:
        city = self.world.cities.get(request.path_params["city"])
        if city is None or not city.public_page:
            return secured(Response(status_code=404))
        lang = await self.lang(request, None)
        before = str(self.t(lang)("desk-round-before"))
        shown = await public_round(self.store, city.id, lang, before)
        tallies = await self.store.tallies(city.id, round_id=shown.id)  # None: no rounds
        ranking = city_ranking(self.world, city.id, tallies)
        rows = pages.public_rows(self.world, city.id, ranking, lang)
        return self.page(
            "public.html",
            lang,
            request,
            city_name=city.name(lang),
            round=shown,
            rows=rows,
            respondents=ranking.overall.respondents,
            minimum=pages.PUBLIC_MIN,
            generated=pages.city_now(self.world, city.id).strftime("%d.%m.%Y"),
        )

    async def stylesheet(self, request: Request) -> Response:
        return secured(Response(self.css, media_type="text/css"))

    def fresh(self, handler: Callable[[Request], Awaitable[Response]]) -> Any:
        """`handler` with the world as of the store (a category accepted a minute ago)."""

        async def route(request: Request) -> Response:
            self.world = await self.worlds.get()
            return await handler(request)

        return route

    @property
    def routes(self) -> list[BaseRoute]:
        fresh = self.fresh
        return [
            Route("/login", self.login, methods=["GET"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/desk", self.home, methods=["GET"]),
            Route("/cities/{city}", fresh(self.city), methods=["GET"]),
            Route("/cities/{city}/review", fresh(self.review), methods=["GET"]),
            Route("/cities/{city}/announcements", fresh(self.announcements), methods=["GET"]),
            Route("/cities/{city}/export.{fmt:str}", fresh(self.export), methods=["GET"]),
            Route("/public/{city}", fresh(self.public), methods=["GET"]),
            Route(STATIC, self.stylesheet, methods=["GET"]),
        ]


def secured(response: Response) -> Response:
    """Every desk response carries the security headers; signed-in pages are never cached."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault("cache-control", "no-store")
    return response
