"""The direct Messages POST (bot.whatsapp_out.TwilioMessages) against the fake Twilio API:
auth, form fields, error shapes; plus the webhook signature check and the label cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.request_validator import RequestValidator

from bot.i18n import Texts
from bot.web import signature_holds
from bot.whatsapp_out import TwilioMessages, form_encode, refusal
from bot.whatsapp_render import _short_label, short_label
from flows.session import Msg, Option
from tests.fake_twilio import FakeTwilioAPI

SID = "AC" + "2" * 32
AUTH = "rest-auth-token"
TO = "whatsapp:+996700000001"
SENDER = "whatsapp:+14155238886"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(SID, AUTH) as fake:
        yield fake


@pytest.mark.parametrize(
    "fields",
    [
        {"Body": "Здравствуйте! Выберите: 1. дороги"},
        {"Body": "a b+c&d=e/f?g~h_i.j-k*l'm(n)", "To": TO},
        {"ContentVariables": '{"1": "тест 🚧", "2": "\\n"}', "Empty": ""},
    ],
)
def test_the_form_is_what_urlencode_writes(fields: dict[str, str]) -> None:
    assert form_encode(fields) == urlencode(fields).encode()


async def test_a_message_is_posted_with_basic_auth_and_twilios_field_names(
    twilio: FakeTwilioAPI,
) -> None:
    messages = TwilioMessages(twilio.base_url, SID, AUTH)
    messages.start()
    try:
        fields = {"To": TO, "From": SENDER, "Body": "Привет, мир", "StatusCallback": "https://x/s"}
        sid, status = await messages.create_async(fields)
    finally:
        await messages.close()
    assert sid is not None and sid.startswith("SM") and status == "queued"
    assert twilio.sent(TO) == [fields]  # the fake refuses wrong credentials with 401


async def test_wrong_credentials_raise_twilios_error(twilio: FakeTwilioAPI) -> None:
    messages = TwilioMessages(twilio.base_url, SID, "not-the-token")
    messages.start()
    try:
        with pytest.raises(TwilioRestException) as refused:
            await messages.create_async({"To": TO, "From": SENDER, "Body": "x"})
    finally:
        await messages.close()
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert twilio.sent() == []


async def test_error_codes_and_problem_details_map_as_twilio_python_maps_them(
    twilio: FakeTwilioAPI,
) -> None:
    twilio.fail(TO, 429, 20429)
    twilio.fail(TO, 400, 63014, problem=True)
    messages = TwilioMessages(twilio.base_url, SID, AUTH)
    messages.start()
    try:
        with pytest.raises(TwilioRestException) as limited:
            await messages.create_async({"To": TO, "From": SENDER, "Body": "x"})
        with pytest.raises(TwilioServiceException) as blocked:
            await messages.create_async({"To": TO, "From": SENDER, "Body": "x"})
    finally:
        await messages.close()
    assert (limited.value.status, limited.value.code) == (429, 20429)
    assert (blocked.value.status, blocked.value.code) == (400, 63014)


def test_an_answer_that_is_not_json_keeps_the_http_status_as_its_code() -> None:
    exc = refusal(503, "https://api.twilio.com/x", "<html>Service Unavailable</html>")
    assert isinstance(exc, TwilioRestException)
    assert (exc.status, exc.code) == (503, 503)


@pytest.mark.parametrize(
    "signed_url",
    [
        "https://citybot.example.org/twilio/whatsapp",
        "https://citybot.example.org:443/twilio/whatsapp",
        "https://citybot.example.org/twilio/whatsapp?x=1",
    ],
)
def test_the_signature_check_agrees_with_request_validator(signed_url: str) -> None:
    validator = RequestValidator(AUTH)
    params = {"From": TO, "Body": "дороги", "WaId": "996700000001"}
    signature = validator.compute_signature(signed_url, params)
    for url in (signed_url, signed_url.replace(":443", "")):
        assert signature_holds(validator, url, params, signature)
        assert validator.validate(url, params, signature)
    forged = {**params, "Body": "школы"}
    assert not signature_holds(validator, signed_url, forged, signature)
    assert not validator.validate(signed_url, forged, signature)


def test_short_labels_are_the_same_from_the_cache() -> None:
    texts = Texts(strict=True)
    options = [
        Option("also", Msg("btn-also", {"label": "дороги"})),
        Option("also", Msg("btn-also", {"label": "школы"})),
        Option("accept", Msg("btn-accept", {"label": Msg("btn-done")})),
        Option("done", Msg("btn-done")),
        Option("d:1", "Очень длинное название района города Бишкек"),
    ]
    for lang in ("ru", "ky"):
        for option in options:
            for number in (None, 3):
                first = short_label(texts, lang, option, number)
                assert first == _short_label(texts, lang, option, number)
                assert short_label(texts, lang, option, number) == first
