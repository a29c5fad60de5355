"""The sandbox's simulated users send photos as well as documents; a file id keeps its type (issue 14)."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest

from tests.sandbox.test_sandbox import ALICE, PNG, alice, bot, sandbox  # noqa: F401  (fixtures)


async def test_a_user_photo_is_downloadable_and_its_id_is_sent_on_as_a_photo_only(bot, alice) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="PNG, JPEG or GIF"):
        await alice.send_photo(b"%PDF-1.4")
    await alice.send_photo(PNG, caption="自查报告第 1 页")
    await alice.send_document(b"%PDF-1.4\n%%EOF\n", "summary.pdf", "application/pdf")
    photo_update, document_update = await bot.get_updates(timeout=0)
    sizes = photo_update.message.photo
    assert sizes and photo_update.message.caption == "自查报告第 1 页"
    assert (await bot.download(sizes[-1].file_id)).read() == PNG
    document = document_update.message.document

    await bot.send_photo(ALICE, sizes[-1].file_id, caption="转发")  # by file id: no upload
    assert alice.last().photo_bytes == PNG and alice.last().caption == "转发"
    await bot.send_document(ALICE, document.file_id)
    assert alice.last().document_bytes == b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(ALICE, document.file_id)
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(ALICE, sizes[-1].file_id)
