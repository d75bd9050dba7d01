"""The SQLite store against storage.base: every method of every area, domain rules defined
once, and logs that never name a resident."""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path

import pytest

from flows.session import Conversation, Forget, Item, SetLanguage, Step
from storage import base
from storage.base import ResidentRef, StaleState
from storage.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]
AREAS = (
    base.Residents,
    base.WorkingGroups,
    base.Announcements,
    base.Deliveries,
    base.Reviews,
    base.Reports,
    base.Health,
)


@pytest.mark.parametrize("area", AREAS, ids=lambda a: a.__name__)
def test_every_method_of_every_area_is_implemented_with_its_signature(area: type) -> None:
    methods = [n for n, v in vars(area).items() if callable(v) and not n.startswith("_")]
    assert methods
    for name in methods:
        wanted = inspect.signature(getattr(area, name))
        found = inspect.signature(getattr(SqliteStore, name))
        assert inspect.iscoroutinefunction(getattr(SqliteStore, name)), name
        # The same parameters in the same order with the same defaults; an implementation may
        # default a required one, or add optional ones after them (the transition defaults).
        pairs = list(zip(wanted.parameters.values(), found.parameters.values(), strict=False))
        assert len(found.parameters) >= len(wanted.parameters), name
        for want, got in pairs:
            assert (want.name, want.kind) == (got.name, got.kind), name
            if want.default is not inspect.Parameter.empty:
                assert want.default == got.default, f"{name}: {want.name}"
        for extra in list(found.parameters.values())[len(wanted.parameters) :]:
            assert extra.default is not inspect.Parameter.empty, f"{name}: {extra.name}"


def test_domain_rules_are_written_once() -> None:
    """The rank weight comes from MAX_PROBLEMS (sql.weight) and `other` from the catalogue:
    no SQL in the SQLite store spells either out (frozen migrations aside)."""
    paths = sorted((REPO / "storage" / "sqlite").glob("*.py"))
    assert len(paths) > 5, "the store is a package of areas"
    for path in paths:
        text = path.read_text()
        assert not re.search(r"\b6\s*-\s*(i\.)?rank", text), f"{path.name}: rank weight"
        assert "'other'" not in text, f"{path.name}: the other category"


async def test_logs_never_name_a_resident_or_their_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    who = ResidentRef("wa", "996555123987")
    words = "Асанова Айгуль, Токтогула 12"
    db = tmp_path / "citybot.db"
    with caplog.at_level(logging.DEBUG):
        async with SqliteStore(db) as store:
            await store.commit(
                who, Conversation(step=Step.PROBLEMS, previous=Item(category="other", text=words))
            )
            with pytest.raises(StaleState):
                await store.commit(
                    who, Conversation(previous=Item(category="other", text=words)), expected=None
                )
            with pytest.raises(ValueError):
                await store.commit(who, Conversation(), [Forget(), SetLanguage("ru")])
            await store.commit(who, Conversation(), [Forget()])
            db.unlink()
            assert not await store.writable()
    assert caplog.records, "something was logged (else this proves nothing)"
    for text in (who.external_id, words, "Токтогула"):
        assert text not in caplog.text
