"""The router tree: private chats only; each feature module builds one router."""

from __future__ import annotations

from aiogram import F, Router

from handlers import (
    admin,
    approval,
    fallback,
    materials,
    proxy,
    remind,
    staff_report,
    staff_status,
    start,
    uploads,
    walk,
)


def get_routers() -> list[Router]:
    """Fresh routers, in order: prompts and actions first, `start`'s catch-all text and the fallback last."""
    root = Router(name="private")
    root.message.filter(F.chat.type == "private")
    root.include_routers(
        walk.build_router(),
        approval.build_router(),
        proxy.build_router(),
        admin.build_router(),
        uploads.build_router(),
        materials.build_router(),
        remind.build_router(),
        staff_status.build_router(),
        staff_report.build_router(),
        start.build_router(),
        fallback.build_router(),
    )
    return [root]
