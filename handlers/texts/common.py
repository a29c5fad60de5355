"""Texts shared by every user: binding, help, language, refusals."""

ZH = {
    "cmd.start": "开始 / 首页",
    "cmd.help": "帮助",
    "cmd.lang": "切换语言 / Language",
    "cmd.status": "进度（工作人员）",
    "cmd.report": "结果（工作人员）",
    "cmd.remind": "提醒未完成者（工作人员）",
    "start.bound_rater": "已绑定：<b>{name}</b>。\n下面是您需要评分的表。",
    "start.bound_staff": "已绑定工作人员：<b>{name}</b>（{roles}）。发送 /help 查看可用命令。",
    "start.invite_unknown": "此邀请链接无效。请向督查室索取新的链接。",
    "start.invite_used": "此邀请链接已被使用。如需在新设备上使用，请向督查室索取新的链接。",
    "start.invite_expired": "此邀请链接已过期。请向督查室索取新的链接。",
    "start.not_bound": "您好！这是市政府部门考评机器人。\n您尚未绑定身份：请使用督查室发给您的专属邀请链接打开本机器人。",
    "help.rater": (
        "<b>如何评分</b>\n"
        "• 每个部门点一下分数按钮即可保存，自动进入下一个部门。\n"
        "• “其他分数…”可输入 0–100 之间的分数（最多一位小数）。\n"
        "• “备注”填写评语；“回避”需说明理由。\n"
        "• 提交前可随时修改；提交后锁定。\n"
        "命令：/start 首页　/lang 切换语言"
    ),
    "help.staff": (
        "<b>工作人员命令</b>\n/status 进度　/report 结果与报表\n/remind 提醒未完成者　/adjust 加减分\n"
        "/reopen 退回已提交的表　/approve 待审定的表\n发送 CSV/XLSX 文件可导入分数或外部结果。"
    ),
    "lang.switched": "已切换为中文。",
    "refused": "抱歉，您无权使用此功能。",
    "stale": "此按钮已失效，请发送 /start。",
    "error.generic": "出错了，请稍后再试。您已保存的分数不受影响。",
}

EN = {
    "cmd.start": "Start / home",
    "cmd.help": "Help",
    "cmd.lang": "Language / 语言",
    "cmd.status": "Progress (staff)",
    "cmd.report": "Results (staff)",
    "cmd.remind": "Remind laggards (staff)",
    "start.bound_rater": "Linked as <b>{name}</b>.\nHere are the sheets you are asked to score.",
    "start.bound_staff": "Linked as staff: <b>{name}</b> ({roles}). Send /help for your commands.",
    "start.invite_unknown": "This invite link is not valid. Please ask the supervision office for a new one.",
    "start.invite_used": "This invite link has been used already. Ask the supervision office for a new one.",
    "start.invite_expired": "This invite link has expired. Ask the supervision office for a new one.",
    "start.not_bound": (
        "Hello! This is the city's department assessment bot.\n"
        "You are not linked yet: open the bot with the personal invite link the supervision office sent you."
    ),
    "help.rater": (
        "<b>How to score</b>\n"
        "• Tap a score to save it; the next department follows.\n"
        "• “Other…” lets you type a score from 0 to 100 (one decimal at most).\n"
        "• “Comment” adds your remarks; “Recuse” needs a reason.\n"
        "• You can change any score until you submit; then the sheet is locked.\n"
        "Commands: /start home  /lang language"
    ),
    "help.staff": (
        "<b>Staff commands</b>\n/status progress  /report results and files\n/remind chase laggards  "
        "/adjust bonus/penalty\n/reopen reopen a submitted sheet  /approve sheets awaiting approval\n"
        "Send a CSV/XLSX file to import scores or external results."
    ),
    "lang.switched": "Switched to English.",
    "refused": "Sorry, this is not available to you.",
    "stale": "This button is no longer valid. Send /start.",
    "error.generic": "Something went wrong; please try again. Scores you saved are safe.",
}
