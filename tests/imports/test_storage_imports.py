"""ResultsRepo's import: re-checks in its own transaction what the file was checked against."""

from __future__ import annotations

import pytest

from scoring.imports import ImportRejected, ScoreRow


async def test_a_row_whose_assignment_is_gone_is_refused_not_a_crash(store, small) -> None:
    cid = (await store.campaigns.load(small)).campaign_id
    rows = [ScoreRow("cty_dc", "counties", "fgw", 90.0, None, 2), ScoreRow("cty_dc", "counties", "gone", 91.0, None, 3)]
    with pytest.raises(ImportRejected) as info:
        await store.results.import_scores(cid, rows, actor="cli", source="s.csv")
    assert [str(p) for p in info.value.problems] == ["s.csv:3: cty_dc is no longer assigned gone in group counties"]
    assert await store.db.fetchone("SELECT COUNT(*) FROM scores") == (0,)


async def test_a_sheet_submitted_since_the_file_was_read_is_refused(store, small) -> None:
    cid = (await store.campaigns.load(small)).campaign_id
    sheet = await store.sheets.find(cid, "cty_dc", "counties")
    await store.db.execute("UPDATE sheets SET state = 'submitted' WHERE id = ?", (sheet.id,))
    with pytest.raises(ImportRejected) as info:
        await store.results.import_scores(cid, [ScoreRow("cty_dc", "counties", "fgw", 90.0, None, 2)], actor="cli",
                                          source="s.csv")
    assert "submitted and locked" in str(info.value)
