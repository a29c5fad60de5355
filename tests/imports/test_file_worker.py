"""The child process behind uploads: its answer comes back; memory, time and crashes end in FileUnreadable."""

from __future__ import annotations

import pytest

from handlers import file_worker
from handlers.file_worker import FileUnreadable, run_isolated
from scoring.imports import ImportRejected, RowProblem
from tests.imports import children


async def test_the_answer_comes_back() -> None:
    assert await run_isolated(children.echo, {"rows": [1, 2, 3]}) == {"rows": [1, 2, 3]}


async def test_a_refusal_comes_back_as_itself() -> None:
    from reports.imports import read_import
    from tests.conftest import example

    with pytest.raises(ImportRejected) as info:
        await run_isolated(read_import, b"", "e.csv", example("small.yaml"), set(), frozenset())
    assert info.value.problems == [RowProblem("e.csv", 1, "the file is empty")]


@pytest.mark.parametrize(("fn", "why"), [(children.hog_memory, "memory"), (children.die, "memory"),
                                         (children.fail, "broken")])
async def test_a_child_that_cannot_finish(fn, why) -> None:
    with pytest.raises(FileUnreadable) as info:
        await run_isolated(fn)
    assert info.value.why == why


async def test_a_child_that_takes_too_long_is_killed(monkeypatch) -> None:
    monkeypatch.setattr(file_worker, "SECONDS", 0.5)
    with pytest.raises(FileUnreadable) as info:
        await run_isolated(children.sleep, 30)
    assert info.value.why == "time"
