"""`citybot export`: one city's ranking and answers of one round streamed into a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bot.export import Exporter
from flows.catalogue import Lang
from flows.rounds import display_date


async def export_city(
    store: Any, exporter: Exporter, city: str, fmt: str, out: Path, lang: Lang, **options: Any
) -> int:
    """`citybot export`: the city's ranking and its answers streamed from the store into
    `out` (xlsx or csv), through a ".part" file renamed at the end (a failed export leaves
    no half file). `options`: round_id (the answers of one round), round_title (shown),
    generated. Returns the answer items written."""
    from bot import summaries

    round_id = options.pop("round_id", None)
    round_id = None if round_id is None else int(round_id)
    # The ranking sheet and the answers of the same round (by default the current one).
    ranking = await summaries.compute(store, exporter.world, city, round_id=round_id)
    if ranking.round is not None and not options.get("round_title"):
        view = ranking.round
        dates = f"{display_date(view.starts_on)} — {display_date(view.ends_on)}"
        options["round_title"] = f"{view.title(lang)} ({dates})"
    part = out.with_name(out.name + ".part")
    stream = store.export_stream(city, round_id)
    try:
        if fmt == "csv":
            with part.open("w", encoding="utf-8", newline="") as file:
                count = await exporter.write_csv(file, city, stream, lang)
        else:
            count = await exporter.write_xlsx(str(part), ranking, stream, lang, **options)
        os.replace(part, out)
    finally:
        await stream.aclose()
        part.unlink(missing_ok=True)
    return count
