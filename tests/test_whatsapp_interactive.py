"""WhatsApp quick replies and list pickers end to end: signed posts in, Content API templates
created once on the fake Twilio, taps back as ButtonPayload, numbered text when they fail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.world import World
from storage.base import ResidentRef
from tests.fake_twilio import FakeTwilioAPI
from tests.test_whatsapp import AUTH, SID, Harness


@pytest.fixture
async def wa(tmp_path: Path, world: World) -> AsyncIterator[Harness]:
    async with (
        FakeTwilioAPI(SID, AUTH) as twilio,
        Harness(tmp_path, world, twilio, interactive=True) as h,
    ):
        yield h


async def test_a_survey_by_taps_on_quick_replies_and_lists(wa: Harness) -> None:
    r = wa.resident("996700000101")
    text = await r.send("салам")
    assert "Тилди тандаңыз" in text and list(r.buttons()) == ["Кыргызча", "Русский"]
    kinds = [next(iter(c["types"])) for c in wa.twilio.contents]
    assert kinds == ["twilio/quick-reply"], "two languages: quick replies"
    text = await r.tap("Русский")
    assert "Кара-Балта" in r.buttons() and "1. Кара-Балта" not in text, "no numbered copy"
    await r.tap("Манас")
    assert "3. МТУ «Спутник»" in r.buttons(), "districts: a list, its items numbered"
    await r.tap("Спутник")
    for label in ("Дороги", "Питьевая вода"):
        await r.tap(label)
    history = await wa.store.answer_history(ResidentRef("wa", "996700000101"))
    assert [i.category for i in history[-1].items] == ["roads", "drinking_water"]
    await r.tap("Готово")
    await r.tap("Всё верно")
    text = await r.tap("Да, присылать")
    assert "подписаны" in text
    # One template per shape, reused across screens and residents.
    shapes = [
        (next(iter(c["types"])), c["language"], len(c["variables"])) for c in wa.twilio.contents
    ]
    assert len(shapes) == len(set(shapes))
    created = len(wa.twilio.contents)
    other = wa.resident("996700000102")
    await other.send("привет")
    await other.tap("Русский")
    assert len(wa.twilio.contents) == created, "the second resident reuses the templates"


async def test_typed_numbers_and_words_still_work_beside_the_buttons(wa: Harness) -> None:
    r = wa.resident("996700000103")
    await r.send("салам")
    await r.send("2")  # Русский, by its number
    await r.send("каракол")
    await r.send("3")
    await r.send("нет воды по вечерам")
    history = await wa.store.answer_history(ResidentRef("wa", "996700000103"))
    assert history[-1].district == "mtu3"
    assert [i.category for i in history[-1].items] == ["drinking_water"]


async def test_a_stale_button_payload_does_nothing_twice(wa: Harness) -> None:
    r = wa.resident("996700000104")
    await r.send("салам")
    await r.tap("Русский")
    await r.tap("Каракол")
    await r.tap("МТУ №1")
    payload = r.buttons()["1. Дороги"]
    await r.send("Дороги", ButtonPayload=payload)
    text = await r.send("Дороги", ButtonPayload=payload)  # the same tap delivered again
    assert "уже не действует" in text
    history = await wa.store.answer_history(ResidentRef("wa", "996700000104"))
    assert [i.category for i in history[-1].items] == ["roads"]


async def test_numbered_text_when_twilio_refuses_a_template(wa: Harness) -> None:
    wa.twilio.fail_content(400, 21656, times=10)
    r = wa.resident("996700000105")
    text = await r.send("салам")
    assert "1. Кыргызча" in text and "2. Русский" in text, "the numbered list still works"
    assert wa.twilio.content_sent(r.address) == []
    await r.send("2")
    record = await wa.store.resident(ResidentRef("wa", "996700000105"))
    assert record is not None and record.lang == "ru"
