"""The digest after a milestone names the raters who never opened their invite (a person must chase
them), to staff for everyone and to a collector for their own leaders, in the reader's language."""

from __future__ import annotations

from pathlib import Path

from tests.reminders.support import TG, build, make_world, utc
from tests.texts.shapes import shape, shows

SCORES_DUE = utc(2027, 1, 10, 10, 0)  # 18:00 in Shanghai


async def test_the_digest_names_who_never_opened_the_invite(store, clock, tmp_path: Path):
    bound = {k: v for k, v in TG.items() if k not in ("c3", "vmayor")}  # they never opened their invite
    world = await make_world(store, clock, tmp_path / "k.db", build(), bound=bound)
    await store.people.set_lang(TG["office"], "en")
    svc = world.service()
    try:
        world.clock.now = SCORES_DUE
        await svc.tick()
        (boss,) = [t for t in world.sent_to("boss") if "评分结果" in t]
        assert shows(boss, "zh", "digest.unbound_names") and "副市长" in boss and "三局联络员 &lt;x&amp;y&gt;" in boss
        named = shape("zh", "digest.unbound_names").search(boss)
        assert named.start() < boss.index("口内互评")  # named first, before the lists
        (office,) = world.sent_to("office")
        assert shows(office, "en", "digest.unbound_names") and "副市长" in office and "联络员" not in office
    finally:
        await svc.stop()
