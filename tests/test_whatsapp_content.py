"""WhatsApp quick replies and list pickers through the Content API: the real twilio async client
against the local fake Twilio over HTTP, templates created once, numbered text as fallback."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from bot.i18n import Texts
from bot.whatsapp_content import (
    LIST_PICKER,
    QUICK_REPLY,
    InteractiveMessages,
    MemoryContentCache,
    layout,
)
from flows.session import Inbound, Turn
from flows.world import World
from tests.fake_twilio import FakeTwilioAPI
from tests.test_whatsapp import AUTH, SENDER, SID, Harness

TO = "whatsapp:+996700000042"
VAR = re.compile(r"^\{\{(\d+)\}\}$")


def options(count: int, label: str = "Категория {k}") -> list[tuple[str, str]]:
    return [(f"12.p:c{k}", label.format(k=k)) for k in range(1, count + 1)]


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(SID, AUTH) as fake:
        yield fake


def _client(fake: FakeTwilioAPI, http: AsyncTwilioHttpClient) -> Client:
    client = Client(SID, AUTH, http_client=http)
    client.api.base_url = fake.base_url
    client.content.base_url = fake.base_url  # content.twilio.com otherwise
    return client


@pytest.fixture
async def client(twilio: FakeTwilioAPI) -> AsyncIterator[Client]:
    http = AsyncTwilioHttpClient(timeout=30)
    yield _client(twilio, http)
    await http.close()


async def send(client: Client, params: dict[str, str]) -> None:
    await client.messages.create_async(to=TO, from_=SENDER, **params)


def assert_documented(content: dict[str, Any]) -> None:
    """The shape on Twilio's twilio/quick-reply and twilio/list-picker pages, every text and id a
    variable, numbered 1..n without gaps, each with a sample value."""
    assert set(content) >= {"friendly_name", "language", "variables", "types"}
    assert content["friendly_name"].startswith("citybot-")
    samples = content["variables"]
    assert list(samples) == [str(n) for n in range(1, len(samples) + 1)]
    assert len(samples) <= 100 and all(samples.values())
    ((kind, spec),) = content["types"].items()
    used = [spec["body"]]
    if kind == QUICK_REPLY:
        assert set(spec) == {"body", "actions"} and 1 <= len(spec["actions"]) <= 3
        for action in spec["actions"]:
            assert set(action) == {"type", "title", "id"} and action["type"] == "QUICK_REPLY"
            used += [action["title"], action["id"]]
    else:
        assert kind == LIST_PICKER
        assert set(spec) == {"body", "button", "items"} and 1 <= len(spec["items"]) <= 10
        used.append(spec["button"])
        for item in spec["items"]:
            assert set(item) == {"item", "id"}  # description: optional in the API spec
            used += [item["item"], item["id"]]
    numbers = [int(VAR.match(text).group(1)) for text in used]  # type: ignore[union-attr]
    assert numbers == list(range(1, len(samples) + 1)), "each variable once, in order"


def rendered(content: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    """The message WhatsApp would show: the template with the variables filled in."""
    text = json.dumps(content["types"])
    for name, value in variables.items():
        text = text.replace("{{" + name + "}}", json.dumps(value)[1:-1])
    return json.loads(text)


@pytest.mark.parametrize("count", [1, 2, 3])
async def test_up_to_three_options_are_a_quick_reply(
    twilio: FakeTwilioAPI, client: Client, count: int
) -> None:
    messages = InteractiveMessages(client, MemoryContentCache())
    body = "Вы выбрали *Дороги*.\nЧто дальше?"
    screen = options(count, label="Вариант {k}")
    params = await messages.params("ru", body, screen)
    assert params is not None and set(params) == {"content_sid", "content_variables"}
    (content,) = twilio.contents
    assert re.fullmatch(r"HX[0-9a-f]{32}", content["sid"])
    assert params["content_sid"] == content["sid"] and content["language"] == "ru"
    assert_documented(content)
    fetched = await client.content.v1.contents(content["sid"]).fetch_async()
    assert fetched.types == content["types"] and fetched.friendly_name.startswith("citybot-qr-")
    await send(client, params)
    ((sid, variables),) = twilio.content_sent(TO)
    assert sid == content["sid"]
    message = rendered(content, variables)[QUICK_REPLY]
    assert message["body"] == body
    assert [(a["id"], a["title"]) for a in message["actions"]] == screen
    assert "Body" not in twilio.sent(TO)[0], "the content replaces the text"


@pytest.mark.parametrize("count", range(4, 11))
async def test_four_to_ten_options_are_a_list_picker(
    twilio: FakeTwilioAPI, client: Client, count: int
) -> None:
    messages = InteractiveMessages(client, MemoryContentCache())
    screen = options(count, label="Благоустройство {k}")
    params = await messages.params("ky", "Көйгөйдү тандаңыз", screen, menu="Тандоо")
    assert params is not None
    (content,) = twilio.contents
    assert content["language"] == "ky"
    assert_documented(content)
    await send(client, params)
    ((_, variables),) = twilio.content_sent(TO)
    message = rendered(content, variables)[LIST_PICKER]
    assert message["body"] == "Көйгөйдү тандаңыз" and message["button"] == "Тандоо"
    assert [(i["id"], i["item"]) for i in message["items"]] == screen
    assert all(len(i["item"]) <= 24 for i in message["items"])


async def test_a_short_screen_with_a_long_label_becomes_a_list(
    twilio: FakeTwilioAPI, client: Client
) -> None:
    """Quick-reply titles stop at 20 characters, list items at 24."""
    messages = InteractiveMessages(client, MemoryContentCache())
    screen = [("3.y", "Да"), ("3.n", "Нет, изменить ответы")]  # 20: still a quick reply
    assert layout("Всё верно?", screen)[0] == QUICK_REPLY  # type: ignore[index]
    screen = [("3.y", "Да"), ("3.n", "Нет, хочу изменить ответ")]  # 24
    assert await messages.params("ru", "Всё верно?", screen) is None, "a list needs its button"
    params = await messages.params("ru", "Всё верно?", screen, menu="Выбрать")
    assert params is not None
    assert list(twilio.contents[0]["types"]) == [LIST_PICKER]


@pytest.mark.parametrize(
    ("body", "screen", "menu"),
    [
        ("Выберите", [], "Выбрать"),  # nothing to tap
        ("Выберите", options(11), "Выбрать"),  # past a list's 10 items
        ("Выберите", options(2, label="Очень длинное название пункта {k}"), "Выбрать"),  # > 24
        ("Выберите", options(5, label="Название пункта длинное {k}"), "Выбрать"),  # 25
        ("Выберите", options(5), None),  # a list without its button text
        ("Выберите", options(5), "Выбрать вариант из списка"),  # button > 20
        ("Выберите", options(2, label="  "), "Выбрать"),  # an empty label
        ("Выберите", options(2, label="Две\nстроки {k}"), "Выбрать"),
        ("Выберите", [("12.p:a", "А"), ("12.p:a", "Б")], "Выбрать"),  # the same payload twice
        ("Выберите", [("12.p:дороги", "Дороги")], "Выбрать"),  # ids are ASCII
        ("Выберите", [("x" * 129, "Дороги")], "Выбрать"),
        ("", options(2), "Выбрать"),  # an empty body
        ("я" * 1025, options(2), "Выбрать"),  # body > 1,024
        ("😀" * 513, options(2), "Выбрать"),  # 1,026 UTF-16 units
    ],
)
async def test_what_does_not_fit_is_numbered_text(
    twilio: FakeTwilioAPI, client: Client, body: str, screen: list[tuple[str, str]], menu: str
) -> None:
    messages = InteractiveMessages(client, MemoryContentCache())
    assert await messages.params("ru", body, screen, menu=menu) is None
    assert twilio.content_requests == 0, "nothing is created for a screen that does not fit"


async def test_the_longest_fitting_screen_is_interactive(client: Client) -> None:
    messages = InteractiveMessages(client, MemoryContentCache())
    screen = options(10, label="x" * 20 + "{k:>4}")
    assert await messages.params("ru", "я" * 1024, screen, menu="ы" * 20) is not None


async def test_a_shape_is_created_once_across_calls_and_concurrent_calls(
    twilio: FakeTwilioAPI, client: Client
) -> None:
    twilio.latency = 0.05  # creations overlap
    messages = InteractiveMessages(client, MemoryContentCache())
    first = await asyncio.gather(
        *(messages.params("ru", f"Экран {n}", options(2)) for n in range(20)),
        *(messages.params("ru", f"Экран {n}", options(6), menu="Выбрать") for n in range(20)),
        *(messages.params("ky", f"Экран {n}", options(2)) for n in range(20)),
    )
    assert twilio.content_requests == 3 and len(twilio.contents) == 3
    for _ in range(5):
        await messages.params("ru", "Ещё экран", [("13.y", "Да"), ("13.n", "Нет")])
    assert twilio.content_requests == 3, "a different screen of the same shape reuses it"
    sids = {p["content_sid"] for p in first if p}
    assert len(sids) == 3
    # While a shape is being created the others get numbered text instead of waiting.
    assert first[0] is not None and first[1:20] == [None] * 19
    # Payloads carry the screen: the same template, other variables.
    assert json.loads(first[0]["content_variables"])["1"] == "Экран 0"  # type: ignore[index]
    again = await messages.params("ru", "Экран 1", options(2))
    assert again is not None and json.loads(again["content_variables"])["1"] == "Экран 1"


async def test_a_second_instance_with_the_same_cache_does_not_create_again(
    twilio: FakeTwilioAPI, client: Client
) -> None:
    cache = MemoryContentCache()
    one = await InteractiveMessages(client, cache).params("ru", "Выберите", options(3))
    assert twilio.content_requests == 1 and len(cache.sids) == 1
    (key,) = cache.sids
    assert key.startswith("citybot-qr-ru-3-")
    other = InteractiveMessages(lambda: client, cache)  # as after a restart
    two = await other.params("ru", "Другой экран", options(3))
    assert twilio.content_requests == 1
    assert one is not None and two is not None and one["content_sid"] == two["content_sid"]


@pytest.mark.parametrize("problem", [False, True])
async def test_a_failed_creation_falls_back_to_text_and_is_retried_later(
    twilio: FakeTwilioAPI, client: Client, problem: bool, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0]
    cache = MemoryContentCache()
    messages = InteractiveMessages(client, cache, retry_after=60, clock=lambda: now[0])
    twilio.fail_content(400, 21656, problem=problem)
    body = "Секретный ответ жителя"
    assert await messages.params("ru", body, options(2)) is None
    assert twilio.content_requests == 1 and not twilio.contents and not cache.sids
    assert "21656" in caplog.text and body not in caplog.text and "12.p" not in caplog.text
    # Within the pause every message goes out as text without asking Twilio again ...
    assert (
        await asyncio.gather(*(messages.params("ru", body, options(2)) for _ in range(5)))
        == [None] * 5
    )
    assert twilio.content_requests == 1
    # ... then the next message tries again, and it works.
    now[0] += 61
    params = await messages.params("ru", body, options(2))
    assert params is not None and twilio.content_requests == 2
    assert cache.sids and params["content_sid"] == twilio.contents[0]["sid"]


async def test_twilio_unreachable_or_not_started_means_text(twilio: FakeTwilioAPI) -> None:
    http = AsyncTwilioHttpClient(timeout=30)
    started: list[Client] = []
    messages = InteractiveMessages(lambda: started[0] if started else None, MemoryContentCache())
    messages.retry_after = 0
    assert await messages.params("ru", "Выберите", options(2)) is None  # before start()
    client = _client(twilio, http)
    client.content.base_url = "http://127.0.0.1:9"  # nothing listens there
    started.append(client)
    assert await messages.params("ru", "Выберите", options(2)) is None
    client.content.base_url = twilio.base_url
    assert await messages.params("ru", "Выберите", options(2)) is not None
    await http.close()


async def test_twilio_9_13_create_async_posts_a_form_so_we_post_json_ourselves(
    twilio: FakeTwilioAPI, client: Client
) -> None:
    """twilio/twilio-python#932: AsyncTwilioHttpClient form-encodes JSON bodies. When this
    starts passing a created template, the workaround in bot/whatsapp_content.py can go."""
    request = ContentList.ContentCreateRequest(
        {"language": "ru", "types": {QUICK_REPLY: {"body": "{{1}}", "actions": []}}}
    )
    with pytest.raises(Exception, match="Request input may be invalid"):
        await client.content.v1.contents.create_async(request)
    assert not twilio.contents


async def test_a_twilio_that_sends_json_bodies_itself_still_works(twilio: FakeTwilioAPI) -> None:
    """The expected fix (twilio-python#964) passes application/json bodies as `json=`."""

    class FixedHttpClient(AsyncTwilioHttpClient):
        async def request(  # type: ignore[override]
            self, method: str, url: str, params=None, data=None, headers=None, auth=None, **_: Any
        ) -> Response:
            if not (headers and headers.get("Content-Type") == "application/json"):
                return await super().request(method, url, params, data, headers, auth)
            assert self.session is not None
            async with self.session.request(
                method,
                url,
                params=params,
                json=data,
                headers=headers,
                auth=aiohttp.BasicAuth(*auth),
            ) as answer:
                return Response(answer.status, await answer.text(), answer.headers)

    http = FixedHttpClient(timeout=30)
    messages = InteractiveMessages(_client(twilio, http), MemoryContentCache())
    assert await messages.params("ru", "Выберите", options(5), menu="Выбрать") is not None
    assert twilio.content_requests == 1, "bytes were refused before anything was sent"
    (content,) = twilio.contents
    assert_documented(content)
    await http.close()


async def test_a_tapped_button_comes_back_as_a_choice(tmp_path: Path, world: World) -> None:
    """A signed inbound post with ButtonPayload/ButtonText becomes Inbound("choice") through
    bot.whatsapp.to_inbound, and the survey takes it like a Telegram tap."""
    async with FakeTwilioAPI(SID, AUTH) as fake, Harness(tmp_path, world, fake) as h:
        seen: list[tuple[Inbound, Turn]] = []
        handle = h.whatsapp.pipeline.resident

        async def spy(who, event, deliver, dedup_key=None, **options):  # type: ignore[no-untyped-def]
            async def keep(turn: Turn) -> None:
                seen.append((event, turn))
                await deliver(turn)

            return await handle(who, event, keep, dedup_key, **options)

        h.whatsapp.pipeline.resident = spy  # type: ignore[method-assign]
        r = h.resident("996700000077")
        await r.send("привет")
        (_, turn), *_ = seen
        texts = Texts(strict=True)
        (option,) = [
            o
            for reply in turn.replies
            for o in reply.options
            if texts.option_label("ru", o) == "Русский"  # type: ignore[arg-type]
        ]
        # WhatsApp echoes the title as Body too; the payload is what counts.
        text = await r.send("Русский", ButtonPayload=option.code, ButtonText="Русский")
        event, _ = seen[-1]
        assert event == Inbound("choice", choice=option.code)
        assert "Кара-Балта" in text, "the tap chose Russian and the survey moved on"
