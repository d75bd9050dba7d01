"""`citybot poster`: an A4 poster (PDF or PNG) whose QR codes decode back to the exact links
`citybot links` prints, with every sentence in Russian and Kyrgyz from locales/*/poster.ftl."""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pypdf
import pytest
import zxingcpp
from PIL import Image

from bot import poster
from bot.cli import main
from bot.i18n import Texts
from flows import links

SENDER = "whatsapp:+996555123456"
A4 = 297 / 210


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "TWILIO_", "CITYBOT_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@karakol_city_bot")
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    return monkeypatch


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def expected_links(capsys: pytest.CaptureFixture[str], city: str, district: str, *extra: str):
    code, out, err = cli(capsys, "links", "--city", city, "--district", district, "--json", *extra)
    assert code == 0, err
    (row,) = json.loads(out)
    return row


def decode_png(path: Path) -> tuple[Image.Image, list[zxingcpp.Barcode]]:
    image = Image.open(path)
    image.load()
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return image, codes


def width_mm(code: zxingcpp.Barcode, dpi: float) -> float:
    """The printed width of a code's dark part (finder pattern to finder pattern)."""
    p = code.position
    return math.dist((p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y)) / dpi * 25.4


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_png_poster_codes_decode_to_the_exact_links(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    row = expected_links(capsys, "karakol", "mtu3", "--source", "poster")
    out = tmp_path / "karakol-mtu3.png"
    code, _, err = cli(
        capsys, "poster", "--city", "karakol", "--district", "mtu3", "--source", "poster",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image, codes = decode_png(out)
    width, height = image.size
    assert height / width == pytest.approx(A4, abs=0.002)
    dpi = width / (210 / 25.4)
    assert dpi >= 150
    assert sorted(c.text for c in codes) == sorted([row["telegram"], row["whatsapp"]])
    for qr in codes:
        assert qr.ec_level in ("M", "Q", "H"), qr.ec_level
        assert width_mm(qr, dpi) >= 50
    wa = next(c.text for c in codes if c.text.startswith("https://wa.me/"))
    text = unquote(urlsplit(wa).query.removeprefix("text="))
    assert links.find_tagged(text) == row["payload"] == "karakol-mtu3-poster"


def test_pdf_poster_is_a4_and_carries_every_line_in_both_languages(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "poster.PDF"
    code, _, err = cli(
        capsys, "poster", "--city", "manas", "--district", "kurmanbek", "--out", str(out)
    )
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595.28, 841.89), abs=0.5)
    text = flat(reader.pages[0].extract_text())
    spec = poster.PosterSpec(
        "Манас", "Манас", "", "", "manas-kurmanbek",
        (
            poster.Code("telegram", "https://t.me/x", "@karakol_city_bot"),
            poster.Code("whatsapp", "https://wa.me/1", "+996 555 123 456"),
        ),
    )  # fmt: skip
    sentences = poster.poster_texts(Texts(strict=True), spec)
    assert set(sentences) == {
        "poster-headline",
        "poster-purpose",
        "poster-scan",
        "poster-telegram-manual",
        "poster-whatsapp-manual",
        "poster-footer",
    }
    for by_lang in sentences.values():
        assert by_lang["ru"] != by_lang["ky"]
        for sentence in by_lang.values():
            assert flat(sentence) in text, sentence
    for name in ("Манас", "МТУ «Курманбек»", "«Курманбек» МАБ", "@karakol_city_bot"):
        assert name in text
    assert "+996 555 123 456" in text


def test_the_figure_uses_only_locale_sentences_and_draws_every_glyph() -> None:
    spec = poster.PosterSpec(
        "Кара-Балта", "Кара-Балта", "Нижняя зона", "Төмөнкү зона", "kara_balta-lower",
        (poster.Code("telegram", "https://t.me/karakol_city_bot?start=kara_balta-lower", "@k"),),
    )  # fmt: skip
    texts = Texts(strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a warning
        figure = poster.build_figure(texts, spec, dpi=72)
        figure.canvas.draw()
    drawn = [flat(t.get_text()) for t in figure.texts]
    expected = {
        flat(sentence)
        for by_lang in poster.poster_texts(texts, spec).values()
        for sentence in by_lang.values()
    }
    assert expected <= set(drawn)
    assert not any("WhatsApp" in line for line in drawn)
    # The rest is data: names, the channel name and handle, the operator's payload tag.
    assert set(drawn) - expected == {
        "Кара-Балта",
        "Нижняя зона / Төмөнкү зона",
        "Telegram",
        "@k",
        "kara_balta-lower",
    }
    for artist in figure.texts:  # nothing runs off the page
        box = artist.get_window_extent()
        assert box.x0 >= 0 and box.x1 <= figure.bbox.width
        assert box.y0 >= 0 and box.y1 <= figure.bbox.height


@pytest.mark.parametrize(
    ("unset", "kept", "prefix"),
    [
        ("TELEGRAM_BOT_USERNAME", "WhatsApp", "https://wa.me/996555123456?text="),
        ("TWILIO_WHATSAPP_FROM", "Telegram", "https://t.me/karakol_city_bot?start="),
    ],
)
def test_a_missing_channel_still_gives_a_poster_with_the_other_code(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    unset: str,
    kept: str,
    prefix: str,
) -> None:
    env.delenv(unset)
    out = tmp_path / "one.png"
    code, _, err = cli(
        capsys, "poster", "--city", "kara_balta", "--district", "upper", "--out", str(out)
    )
    assert code == 0, err
    assert f"only the {kept} QR code" in err and unset in err
    _, codes = decode_png(out)
    assert len(codes) == 1
    assert codes[0].text.startswith(prefix) and "kara_balta-upper" in codes[0].text
    assert width_mm(codes[0], 200) >= 50


def test_no_channel_at_all_exits_2_without_a_file(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env.delenv("TELEGRAM_BOT_USERNAME")
    env.delenv("TWILIO_WHATSAPP_FROM")
    out = tmp_path / "none.pdf"
    code, _, err = cli(
        capsys, "poster", "--city", "karakol", "--district", "mtu1", "--out", str(out)
    )
    assert code == 2
    assert "TELEGRAM_BOT_USERNAME" in err and "TWILIO_WHATSAPP_FROM" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--city", "karakol", "--district", "mtu1", "--out", "p.jpg"], ".pdf or .png"),
        (["--city", "karakol", "--district", "mtu1", "--out", "poster"], ".pdf or .png"),
        (["--city", "osh", "--district", "mtu1", "--out", "p.pdf"], "karakol"),
        (["--city", "karakol", "--district", "centre", "--out", "p.png"], "mtu8"),
        (["--city", "karakol", "--district", "mtu1", "--source", "A!", "--out", "p.pdf"], "a-z"),
    ],
)
def test_bad_requests_exit_2(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    code, _, err = cli(capsys, "poster", *args)
    assert code == 2
    assert expected in err
    assert list(tmp_path.iterdir()) == []


def test_the_district_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["poster", "--city", "karakol", "--out", "p.png"])
    assert exc.value.code == 2
    assert "--district" in capsys.readouterr().err


def test_qr_modules_keep_the_quiet_zone() -> None:
    modules = poster.qr_modules("https://t.me/karakol_city_bot?start=karakol-mtu1")
    n = len(modules)
    assert all(len(row) == n for row in modules)
    border = poster.QR_BORDER
    assert border >= 4
    for i in range(border):
        assert not any(modules[i]) and not any(modules[n - 1 - i])
        assert not any(row[i] or row[n - 1 - i] for row in modules)
    assert modules[border][border]  # the finder pattern's corner
