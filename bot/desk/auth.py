"""Sign-in for the desk: Telegram Login Widget checks, signed sessions, CSRF, login pace."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from storage.base import DeskSessions

MAX_AGE = 86400  # Telegram: reject an authorisation older than a day
FUTURE_SLACK = 60  # seconds of clock difference tolerated for an auth_date "from the future"
SESSION_COOKIE = "citybot_desk"
SESSION_LIFETIME = 8 * 3600  # a working day; then the widget again
# The widget sends id, first_name, last_name, username, photo_url, auth_date and hash; every
# received field is checked (as Telegram documents), within bounds nothing real comes near.
MAX_FIELDS = 12
MAX_VALUE = 512


def derive_secret(token: str) -> str:
    """The session key when CITYBOT_SESSION_SECRET is unset: from the bot token with HMAC (so
    it survives restarts and never equals anything Telegram knows)."""
    return hmac.new(token.encode(), b"citybot desk session v1", hashlib.sha256).hexdigest()


def check_string(fields: Mapping[str, str]) -> str:
    """Telegram's data-check-string: every received field but `hash`, sorted, key=value lines."""
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")


def sign_login(fields: Mapping[str, str], token: str) -> str:
    """The hash Telegram puts on a widget redirect (tests and the screenshot script sign with
    a test token the same way)."""
    key = hashlib.sha256(token.encode()).digest()
    return hmac.new(key, check_string(fields).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginCheck:
    user_id: int | None  # set when the redirect is genuine and fresh
    reason: str = ""  # why not (for the log: never the data itself)


def verify_login(fields: Mapping[str, str], token: str, now: float) -> LoginCheck:
    """https://core.telegram.org/widgets/login#checking-authorization, exactly."""
    given = fields.get("hash", "")
    oversized = len(fields) > MAX_FIELDS or any(len(v) > MAX_VALUE for v in fields.values())
    if oversized or not given or "id" not in fields or "auth_date" not in fields:
        return LoginCheck(None, "fields")
    expected = sign_login(fields, token)
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):  # constant time
        return LoginCheck(None, "hash")
    try:
        user_id, auth_date = int(fields["id"]), int(fields["auth_date"])
    except ValueError:
        return LoginCheck(None, "fields")
    if auth_date > now + FUTURE_SLACK:
        return LoginCheck(None, "future")
    if now - auth_date > MAX_AGE:
        return LoginCheck(None, "stale")
    if user_id <= 0:
        return LoginCheck(None, "fields")
    return LoginCheck(user_id)


class Sessions:
    """A signed cookie holding only the Telegram id, the expiry and when it was issued; CSRF
    tokens bound to it. With `store`, a session issued before its user's last sign-out is
    refused (storage.base.DeskSessions: on every instance, a copied cookie included)."""

    def __init__(
        self, secret: str, lifetime: int = SESSION_LIFETIME, store: DeskSessions | None = None
    ) -> None:
        self.lifetime, self.store = lifetime, store
        self._key = secret.encode()
        self._signer = URLSafeTimedSerializer(secret, salt="citybot-desk-session")

    def issue(self, user_id: int, now: float) -> str:
        # Milliseconds: a sign-in right after a sign-out (the same second) stays valid.
        return self._signer.dumps(
            {"id": user_id, "exp": int(now) + self.lifetime, "iat": int(now * 1000)}
        )

    def user(self, cookie: str | None, now: float) -> int | None:
        """The Telegram id the cookie was signed for, or None (no cookie, forged, expired);
        `signed_in` also checks the sign-outs."""
        data = self._data(cookie, now)
        return None if data is None else data[0]

    async def signed_in(self, cookie: str | None, now: float) -> int | None:
        """The signed-in Telegram id, or None (no cookie, forged, expired, or signed out
        since it was issued)."""
        data = self._data(cookie, now)
        if data is None:
            return None
        uid, issued_ms = data
        if self.store is not None:
            out = await self.store.signed_out_at(uid)
            if out is not None and issued_ms <= out.timestamp() * 1000:
                return None
        return uid

    async def sign_out(self, cookie: str, now: float) -> None:
        """Every session of the cookie's user issued until now ends, wherever its cookie is.
        Not before the cookie's own issue time: an instance whose clock is behind the one
        that issued it must still end it."""
        data = self._data(cookie, now)
        if self.store is not None and data is not None:
            uid, issued_ms = data
            at = max(now, (issued_ms + 1) / 1000)
            await self.store.sign_out(uid, datetime.fromtimestamp(at, UTC))

    def _data(self, cookie: str | None, now: float) -> tuple[int, int] | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.lifetime)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        uid, exp, issued = data.get("id"), data.get("exp"), data.get("iat")
        if not isinstance(uid, int) or not isinstance(exp, int) or exp <= now:
            return None
        if not isinstance(issued, int):  # issued before sign-outs existed: from its expiry
            issued = (exp - self.lifetime) * 1000
        return uid, issued

    def csrf(self, cookie: str) -> str:
        """The form token of this session: a new sign-in, a new token."""
        return hmac.new(self._key, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()

    def csrf_holds(self, cookie: str | None, token: str) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.csrf(cookie).encode(), token.encode())


class Attempts:
    """Sign-in attempts per client: at most `limit` within `window` seconds (a sliding window,
    with a bounded number of clients remembered, so a flood cannot grow memory)."""

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        clients: int = 10_000,
    ) -> None:
        self.limit, self.window, self.clock, self.clients = limit, window, clock, clients
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        now = self.clock()
        times = self._seen.get(client)
        if times is None:
            if len(self._seen) >= self.clients:
                self._forget_idle(now)
            times = self._seen[client] = deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[client]
        if len(self._seen) >= self.clients:  # all busy: the oldest goes
            del self._seen[next(iter(self._seen))]
