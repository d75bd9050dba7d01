"""WhatsApp end to end: signed Twilio posts into the real ASGI app, replies through the real
twilio client to a local fake Twilio API, a real SQLite file. Plus the Telegram webhook."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.i18n import Texts
from bot.pipeline import Pipeline
from bot.telegram import TelegramChannel
from bot.web import TelegramWebhook, build_web
from bot.whatsapp import WhatsAppChannel, render
from bot.whatsapp_out import WhatsAppOutbound
from flows.session import Msg, Option, Reply, Session, Turn
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.fake_telegram import FakeBotAPI, TelegramResident
from tests.fake_twilio import FakeTwilioAPI
from tests.helpers import subscribe

PUBLIC = "https://citybot.example.org"
SID = "AC" + "1" * 32
AUTH = "twilio-auth-token-for-tests"
SENDER = "whatsapp:+14155238886"
TG_TOKEN = "123456:TEST-token-not-real"
TG_SECRET = "webhook-secret-for-tests"
_message_sids = itertools.count(1)


class Harness:
    """Store + pipeline + WhatsApp channel + Telegram channel behind one ASGI app, reached
    as a TLS proxy would reach it: plain http on an internal address."""

    def __init__(
        self, tmp_path: Path, world: World, twilio: FakeTwilioAPI, interactive: bool = False
    ) -> None:
        self.twilio = twilio
        self.store = SqliteStore(tmp_path / "citybot.sqlite3")
        pipeline = Pipeline(self.store, world)
        out = WhatsAppOutbound(
            Texts(strict=True),
            self.store,
            account_sid=SID,
            auth_token=AUTH,
            sender=SENDER,
            api_base_url=twilio.base_url,
            content_base_url=twilio.base_url,
            status_callback=f"{PUBLIC}/twilio/status",
            backoff=0.01,
            interactive=interactive,
        )
        self.whatsapp = WhatsAppChannel(pipeline, out)
        self.tg_api = FakeBotAPI()
        self.tg_channel = TelegramChannel(pipeline, Texts(strict=True))
        self.tg_app = self.tg_channel.build(TG_TOKEN, "http://127.0.0.1:9/bot", request=self.tg_api)
        self.app = build_web(
            self.store,
            PUBLIC,
            telegram=TelegramWebhook(self.tg_channel, self.tg_app.bot, TG_SECRET),
            whatsapp=self.whatsapp,
            twilio_auth_token=AUTH,
        )
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://10.0.0.5:8080"
        )

    async def __aenter__(self) -> Harness:
        await self.store.open()
        await self.whatsapp.start()
        await self.tg_app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.tg_app.shutdown()
        await self.whatsapp.stop()
        await self.store.close()

    def resident(self, wa_id: str) -> WaResident:
        return WaResident(self, wa_id)

    async def post_signed(
        self, path: str, form: dict[str, str], signed_url: str | None = None
    ) -> httpx.Response:
        url = signed_url or f"{PUBLIC}{path}"
        signature = RequestValidator(AUTH).compute_signature(url, form)
        return await self.http.post(path, data=form, headers={"X-Twilio-Signature": signature})


class WaResident:
    def __init__(self, h: Harness, wa_id: str) -> None:
        self.h, self.wa_id = h, wa_id
        self.address = f"whatsapp:+{wa_id}"
        self.ref = ResidentRef("wa", wa_id)
        self.last_form: dict[str, str] = {}

    def form(self, body: str = "", **extra: str) -> dict[str, str]:
        return {
            "MessageSid": f"SM{next(_message_sids):032d}",
            "AccountSid": SID,
            "From": self.address,
            "To": SENDER,
            "Body": body,
            "WaId": self.wa_id,
            "ProfileName": "Айгүл",
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    async def post(self, form: dict[str, str]) -> list[str]:
        """Post one signed inbound message; return what Twilio was asked to send: bodies, or
        an interactive message as its body and "[label]" lines."""
        before = len(self.h.twilio.sent(self.address))
        self.last_form = form
        response = await self.h.post_signed("/twilio/whatsapp", form)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        assert "<Response></Response>" in response.text
        await self.h.whatsapp.outbox.drain()
        await self.h.whatsapp.reports.drain()  # what Twilio said about them, stored
        return [_shown(m) for m in self.h.twilio.sent(self.address)[before:]]

    def buttons(self) -> dict[str, str]:
        """The latest interactive message's options: label -> payload."""
        sid, variables = self.h.twilio.content_sent(self.address)[-1]
        kind = next(iter(self.h.twilio.content(sid)["types"]))
        first = 2 if kind == "twilio/quick-reply" else 3
        numbers = sorted(int(k) for k in variables if int(k) >= first)
        return {variables[str(n)]: variables[str(n + 1)] for n in numbers[::2]}

    async def tap(self, label: str) -> str:
        """Tap a quick reply or list item: Twilio posts its id as ButtonPayload."""
        matches = {k: v for k, v in self.buttons().items() if label in k}
        assert len(matches) == 1, f"{label!r} not unique among {list(self.buttons())}"
        ((text, payload),) = matches.items()
        return await self.send(text, ButtonPayload=payload, ButtonText=text)

    async def send(self, body: str, **extra: str) -> str:
        bodies = await self.post(self.form(body, **extra))
        return "\n".join(bodies)


def _shown(message: dict[str, str]) -> str:
    if "ContentSid" not in message:
        return message["Body"]
    variables = json.loads(message["ContentVariables"])
    labels = [v for k, v in sorted(variables.items(), key=lambda kv: int(kv[0])) if k != "1"]
    return "\n".join([variables["1"], *(f"[{label}]" for label in labels)])


async def _to_problems(r: WaResident) -> None:
    """Russian, Karakol, МТУ №1: the resident is asked for problems."""
    for text in ("привет", "русский", "каракол", "1"):
        await r.send(text)


@pytest.fixture
async def wa(tmp_path: Path, world: World) -> AsyncIterator[Harness]:
    async with FakeTwilioAPI(SID, AUTH) as twilio, Harness(tmp_path, world, twilio) as h:
        yield h


async def test_full_survey_in_russian(wa: Harness) -> None:
    r = wa.resident("996700000001")
    text = await r.send("Здравствуйте")
    assert "Тилди тандаңыз / Выберите язык" in text
    assert "1. Кыргызча" in text and "2. Русский" in text, "options as a numbered list"
    text = await r.send("2")
    assert "пять самых важных проблем" in text and "1. Кара-Балта" in text
    text = await r.send("джалал-абад")  # Manas by its old name
    assert "Манас" in text and "напишите номер или название вашего района" in text
    text = await r.send("спутник")
    assert "1. Дороги" in text and "кнопк" not in text, "no buttons on WhatsApp: no tapping"
    text = await r.send("1")  # the first topic
    assert "Добавлено: *Дороги*" in text, "bold is WhatsApp's *...*"
    text = await r.send("нет детских садов, очереди по два года")
    assert "Добавлено: *Детские сады* — «нет детских садов, очереди по два года»" in text
    text = await r.send("готово")
    assert "1. Дороги" in text and "2. Детские сады" in text
    text = await r.send("всё верно")
    assert "ответы сохранены" in text
    await r.send("да")

    sent = wa.twilio.sent(r.address)
    assert {m["From"] for m in sent} == {SENDER}
    assert {m["StatusCallback"] for m in sent} == {f"{PUBLIC}/twilio/status"}
    *_, answer = await wa.store.answer_history(r.ref)
    assert answer.city == "manas" and answer.district is not None
    assert [i.category for i in answer.items] == ["roads", "kindergartens"]
    assert answer.items[1].text == "нет детских садов, очереди по два года"
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is True and record.lang == "ru"
    assert record.last_inbound_at is not None, "the 24-hour window starts here"
    deliveries = await wa.store.deliveries(r.ref)
    assert len(deliveries) == len(sent) and {d.status for d in deliveries} == {"queued"}
    assert all(d.message_id and d.message_id.startswith("SM") for d in deliveries)


async def test_full_survey_in_kyrgyz(wa: Harness) -> None:
    r = wa.resident("996555000002")
    await r.send("салам")
    text = await r.send("кыргызча")
    assert "Шаарыңыздын номерин же атын жазыңыз" in text
    await r.send("Каракол")
    await r.send("3")  # МТУ №3
    text = await r.send("таштанды коп, эч ким чыгарбайт")
    assert "Таштанды чыгаруу" in text
    await r.send("жолдор")
    text = await r.send("даяр")
    assert "Тизмеңиз сакталды" in text
    text = await r.send("туура")
    assert "Рахмат, жоопторуңуз сакталды" in text
    await r.send("жок")
    *_, answer = await wa.store.answer_history(r.ref)
    assert (answer.city, answer.district) == ("karakol", "mtu3")
    assert [i.category for i in answer.items] == ["waste", "roads"]
    record = await wa.store.resident(r.ref)
    assert record is not None and record.lang == "ky" and record.subscribed is False


async def test_forged_or_missing_signature_is_refused_and_nothing_stored(wa: Harness) -> None:
    r = wa.resident("996700000003")
    form = r.form("привет")
    no_signature = await wa.http.post("/twilio/whatsapp", data=form)
    assert no_signature.status_code == 403
    forged = await wa.http.post(
        "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    )
    assert forged.status_code == 403
    # Signed by someone who does not know our token.
    other = RequestValidator("another-token").compute_signature(f"{PUBLIC}/twilio/whatsapp", form)
    response = await wa.http.post(
        "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": other}
    )
    assert response.status_code == 403
    # Signed correctly, then a field was changed on the way.
    signature = RequestValidator(AUTH).compute_signature(f"{PUBLIC}/twilio/whatsapp", form)
    tampered = {**form, "Body": "СТОП"}
    response = await wa.http.post(
        "/twilio/whatsapp", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    status = await wa.http.post(
        "/twilio/status", data={"MessageSid": "SM1", "MessageStatus": "read"}
    )
    assert status.status_code == 403
    await wa.whatsapp.outbox.drain()
    assert await wa.store.resident(r.ref) is None
    assert wa.twilio.requests == 0


async def test_the_configured_public_url_is_what_validates_behind_a_proxy(wa: Harness) -> None:
    """The app is reached as http://10.0.0.5:8080; Twilio signed https://citybot.example.org."""
    r = wa.resident("996700000004")
    form = r.form("привет")
    as_seen = await wa.post_signed("/twilio/whatsapp", form, "http://10.0.0.5:8080/twilio/whatsapp")
    assert as_seen.status_code == 403, "a signature over the proxied URL is not Twilio's"
    assert (await wa.post_signed("/twilio/whatsapp", form)).status_code == 200


async def test_the_same_message_sid_twice_is_processed_once(wa: Harness) -> None:
    r = wa.resident("996700000005")
    await r.send("привет")
    await r.send("русский")
    await r.send("каракол")
    form = r.form("1")
    first = await r.post(form)
    assert "Назовите до 5 самых важных проблем" in first[0]
    assert await r.post(form) == [], "a retried webhook sends nothing"
    # ... also when the retry arrives while the first is still in flight
    form = r.form("дороги")
    before = len(wa.twilio.sent(r.address))
    await asyncio.gather(*(r.post(form) for _ in range(3)))
    assert len(wa.twilio.sent(r.address)) == before + 1
    loaded = await wa.store.load(r.ref)
    assert loaded.session.answer is not None
    assert [i.category for i in loaded.session.answer.items] == ["roads"]


async def test_replies_keep_the_order_of_the_residents_messages(wa: Harness) -> None:
    r = wa.resident("996700000006")
    await _to_problems(r)
    # Posted back to back, before any reply went out; Twilio answers each after a random delay,
    # so only per-resident chaining keeps the replies in order.
    wa.twilio.latency = 0.1
    named = ["Дороги", "Школы", "Отопление", "Бродячие собаки", "Детские сады"]
    for text in named:
        response = await wa.post_signed("/twilio/whatsapp", r.form(text.lower()))
        assert response.status_code == 200
    await wa.whatsapp.outbox.drain()
    bodies = [m["Body"] for m in wa.twilio.sent(r.address)[-5:]]
    assert [f"Добавлено: *{name}*" in body for name, body in zip(named, bodies, strict=True)] == [
        True
    ] * 5


@pytest.mark.parametrize(
    ("lang", "stop", "start", "help_word", "stopped", "subscribed"),
    [
        ("русский", "STOP", "СТАРТ", "помощь", "больше присылать не будем", "пришлём"),
        ("кыргызча", "ТОКТОТ", "башта", "ЖАРДАМ", "жөнөтүлбөйт", "жөнөтөбүз"),
    ],
)
async def test_stop_start_and_help_keywords(
    wa: Harness,
    lang: str,
    stop: str,
    start: str,
    help_word: str,
    stopped: str,
    subscribed: str,
) -> None:
    r = wa.resident("996700000007")
    await r.send("салам")
    await r.send(lang)
    text = await r.send(stop)
    assert stopped in text
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is False
    text = await r.send(start)
    assert subscribed in text
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is True
    text = await r.send(help_word)
    assert "/forget" in text
    record = await wa.store.resident(r.ref)
    assert record is not None and record.step == "city", "the keywords do not move the survey"


@pytest.mark.parametrize(
    ("content_type", "answer"),
    [("image/jpeg", "фото"), ("audio/ogg", "голосов"), ("image/webp", "стикер")],
)
async def test_media_gets_the_friendly_answer(wa: Harness, content_type: str, answer: str) -> None:
    r = wa.resident("996700000008")
    await r.send("привет")
    await r.send("русский")
    text = await r.send(
        "", NumMedia="1", MediaContentType0=content_type, MediaUrl0="https://api.twilio.com/x"
    )
    assert answer in text.casefold() and "1. Кара-Балта" in text
    record = await wa.store.resident(r.ref)
    assert record is not None and record.step == "city"


async def test_21610_from_twilio_unsubscribes_the_resident(wa: Harness) -> None:
    r = wa.resident("996700000009")
    await r.send("привет")
    await r.send("русский")
    await r.send("/stop")
    await r.send("/start")
    await subscribe(wa.store, r.ref)
    wa.twilio.fail(r.address, 400, 21610)
    assert await r.send("/my") == ""
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is False
    failed = (await wa.store.deliveries(r.ref))[-1]
    assert (failed.message_id, failed.status, failed.error_code) == (None, "failed", 21610)


async def test_outside_the_window_is_recorded_and_rate_limits_are_retried(wa: Harness) -> None:
    r = wa.resident("996700000010")
    await r.send("привет")
    wa.twilio.fail(r.address, 400, 63016)
    assert await r.send("русский") == ""
    assert (await wa.store.deliveries(r.ref))[-1].error_code == 63016
    wa.twilio.fail(r.address, 429, 20429, times=2)
    wa.twilio.fail(r.address, 503, 63018)
    text = await r.send("/help")
    assert "/forget" in text, "sent after backing off three times"
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is None


async def test_status_callbacks_update_the_delivery(wa: Harness) -> None:
    r = wa.resident("996700000011")
    await r.send("привет")
    found = await wa.store.deliveries(r.ref)
    (delivery,) = found
    assert delivery.message_id is not None
    form = {"MessageSid": delivery.message_id, "MessageStatus": "delivered", "To": r.address}
    assert (await wa.post_signed("/twilio/status", form)).status_code == 200
    assert (await wa.store.deliveries(r.ref))[0].status == "delivered"
    await subscribe(wa.store, r.ref)
    blocked = {**form, "MessageStatus": "failed", "ErrorCode": "63014"}
    assert (await wa.post_signed("/twilio/status", blocked)).status_code == 200
    assert (await wa.store.deliveries(r.ref))[0].error_code == 63014
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is False


async def test_a_message_without_waid_is_ignored(wa: Harness) -> None:
    form = {"MessageSid": "SMx", "From": "whatsapp:+996700000012", "To": SENDER, "Body": "hi"}
    assert (await wa.post_signed("/twilio/whatsapp", form)).status_code == 200
    await wa.whatsapp.outbox.drain()
    assert wa.twilio.requests == 0
    assert await wa.store.resident(ResidentRef("wa", "996700000012")) is None


async def test_a_problem_details_error_is_understood_too(wa: Harness) -> None:
    r = wa.resident("996700000013")
    await r.send("привет")
    await subscribe(wa.store, r.ref)
    wa.twilio.fail(r.address, 400, 63014, problem=True)
    assert await r.send("русский") == ""
    record = await wa.store.resident(r.ref)
    assert record is not None and record.subscribed is False
    assert (await wa.store.deliveries(r.ref))[-1].error_code == 63014


async def test_retries_end_with_a_recorded_failure(wa: Harness) -> None:
    r = wa.resident("996700000014")
    wa.twilio.fail(r.address, 503, 0, times=5)
    assert await r.send("привет") == ""
    assert wa.twilio.requests == 5, "five attempts, then it stops"
    failed = (await wa.store.deliveries(r.ref))[-1]
    assert (failed.status, failed.message_id) == ("failed", None)
    assert await r.send("русский") != "", "the next reply goes out normally"


async def test_a_stalled_twilio_times_out_and_is_not_retried(
    wa: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.whatsapp_out.SEND_TIMEOUT", 0.2)
    r = wa.resident("996700000015")
    wa.twilio.stall()
    assert await r.send("привет") == ""
    assert wa.twilio.requests == 1, "it may have been sent: no duplicate"
    assert (await wa.store.deliveries(r.ref))[-1].status == "failed"
    wa.twilio.release()
    assert "Русский" in await r.send("привет")


async def test_a_chunked_or_large_body_is_refused_before_parsing(wa: Harness) -> None:
    async def chunks():  # no Content-Length: a streamed body
        for _ in range(40):
            yield b"Body=" + b"x" * 10_000 + b"&"

    response = await wa.http.post(
        "/twilio/whatsapp",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    response = await wa.http.post(
        "/twilio/whatsapp", files={"f": ("a.bin", b"x" * 1000)}, data={"WaId": "1"}
    )
    assert response.status_code == 415, "only url-encoded forms, as Twilio sends"
    response = await wa.http.post(
        "/telegram/webhook",
        content=b"[" + b"1," * 200_000 + b"1]",
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert response.status_code == 413
    for junk in (b"1", b"[]", b'"x"', b"{not json"):
        response = await wa.http.post(
            "/telegram/webhook",
            content=junk,
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status_code == 400, junk


def test_a_long_turn_is_split_under_twilios_limit() -> None:
    # Five problems in the resident's own words, near the 300-character limit each.
    words = " ".join(["<b>жол</b>"] * 29)
    parts = tuple(Msg("own-saved", {"text": words, "count": 1, "max": 5}) for _ in range(5))
    long_reply = Reply(parts, (Option("x:own", "ok"),))
    turn = Turn(Session(), (Reply((Msg("continue"),)), long_reply), (), "ky")
    bodies = render(Texts(strict=True), turn)
    assert len(bodies) == 2 and all(len(b) <= 1600 for b in bodies)
    joined = "".join(bodies)
    assert "&lt;b&gt;" not in joined and "<b>жол</b>" in joined, "their text as they wrote it"
    assert bodies[-1].endswith("1. ok")


async def test_healthz(wa: Harness) -> None:
    response = await wa.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "telegram": True, "whatsapp": True}
    await wa.store.close()
    await asyncio.sleep(1.05)  # the write probe runs at most once a second
    response = await wa.http.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] is False


# --- Telegram webhook -------------------------------------------------------------------------


async def test_telegram_webhook_checks_the_secret_and_runs_the_survey(wa: Harness) -> None:
    r = TelegramResident(wa.tg_app, wa.tg_api, 501, "ky")

    async def post(update: dict, secret: str | None = TG_SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return await wa.http.post("/telegram/webhook", content=json.dumps(update), headers=headers)

    start = {
        "update_id": 7001,
        "message": r._message(
            text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        ),
    }
    assert (await post(start, "wrong")).status_code == 403
    assert (await post(start, None)).status_code == 403
    assert wa.tg_api.sent(501) == [] and await wa.store.resident(ResidentRef("tg", "501")) is None
    assert (await post(start)).status_code == 200
    assert "Шаарыңызды тандаңыз" in wa.tg_api.sent(501)[-1]["text"]
    city = {"update_id": 7002, "message": r._message(text="каракол")}
    assert (await post(city)).status_code == 200
    count = len(wa.tg_api.sent(501))
    assert "Районуңузду" in wa.tg_api.sent(501)[-1]["text"]
    assert (await post(city)).status_code == 200, "a redelivery is acknowledged ..."
    assert len(wa.tg_api.sent(501)) == count, "... and processed once"
    record = await wa.store.resident(ResidentRef("tg", "501"))
    assert record is not None and record.step == "district"
    assert (
        await wa.http.post(
            "/telegram/webhook",
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
    ).status_code == 400


async def test_telegram_webhook_answers_500_when_nothing_could_be_committed(
    wa: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Safely re-deliverable: a failed load commits nothing, Telegram retries, it is processed."""
    r = TelegramResident(wa.tg_app, wa.tg_api, 502, "ru")
    update = {
        "update_id": 7101,
        "message": r._message(
            text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        ),
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    real_load = wa.store.load

    async def failing_load(*args: object, **kwargs: object) -> object:
        raise OSError("database is locked for too long")

    monkeypatch.setattr(wa.store, "load", failing_load)
    response = await wa.http.post("/telegram/webhook", content=json.dumps(update), headers=headers)
    assert response.status_code == 500 and wa.tg_api.sent(502) == []
    monkeypatch.setattr(wa.store, "load", real_load)
    response = await wa.http.post("/telegram/webhook", content=json.dumps(update), headers=headers)
    assert response.status_code == 200
    assert "пять самых важных" in wa.tg_api.sent(502)[0]["text"]


async def test_a_tap_through_the_webhook_is_answered_in_the_response(wa: Harness) -> None:
    """One request fewer per tap: the spinner is stopped by the webhook's own HTTP answer (as the
    Bot API allows), the screen is still edited in place, and a double tap's toast rides along."""
    r = TelegramResident(wa.tg_app, wa.tg_api, 503, "ru")
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}

    async def post(update: dict) -> httpx.Response:
        return await wa.http.post("/telegram/webhook", content=json.dumps(update), headers=headers)

    start = {
        "update_id": 7201,
        "message": r._message(
            text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        ),
    }
    assert (await post(start)).status_code == 200
    message_id, buttons = r.screen
    karakol = next(b for b in buttons if "Каракол" in b["text"])

    def tap(update_id: int, query_id: str) -> dict:
        message = {**r._message(text="(buttons)"), "message_id": message_id}
        query = {
            "id": query_id,
            "from": r.user,
            "chat_instance": "ci",
            "data": karakol["callback_data"],
            "message": message,
        }
        return {"update_id": update_id, "callback_query": query}

    response = await post(tap(7202, "q-1"))
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "q-1"}
    assert wa.tg_api.count("answerCallbackQuery") == 0, "no request of its own"
    assert "район" in wa.tg_api.edits(503)[-1]["text"].lower(), "the screen is edited in place"
    again = await post(tap(7203, "q-2"))  # the same button, tapped twice
    assert again.status_code == 200 and again.json()["callback_query_id"] == "q-2"
    assert again.json().get("text"), "a double tap says why nothing happened"
    assert wa.tg_api.count("answerCallbackQuery") == 0
