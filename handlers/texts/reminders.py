"""Texts of deadline reminders (to raters) and the digest after a milestone (to staff and collectors)."""

ZH = {
    "remind.title": "⏰ <b>{campaign}</b>\n<b>{milestone}</b>截止：{due}（{left}）",
    "remind.sheet": "• {part} · {group}：已评 {done}/{total}{state}",
    "remind.sheet_ready": "• {part} · {group}：已全部评分（{total} 项），尚未提交{state}",
    "remind.footer": "请在截止前完成并提交。点击下方按钮，从上次停下的地方继续。",
    "remind.btn": "继续 {group}",
    "digest.title": "📋 <b>{campaign}</b>\n<b>{milestone}</b>已于 {due} 截止。",
    "digest.title_collector": "📋 <b>{campaign}</b>\n<b>{milestone}</b>已于 {due} 截止。您代为录入的领导：",
    "digest.all_done": "✅ 全部已提交。",
    "digest.group": "\n<b>{part} · {group}</b>：{late}/{sheets} 未提交",
    "digest.rater": "• {name}：已评 {done}/{total}{flag}",
    "digest.unbound": "（未绑定）",
    "digest.unreachable": "（无法送达）",
    "digest.more": "……另有 {n} 人",
    "digest.footer": "\n发送 /status 查看最新进度。逾期录入的分数会在报表中标注。",
}

EN = {
    "remind.title": "⏰ <b>{campaign}</b>\n<b>{milestone}</b> is due {due} ({left})",
    "remind.sheet": "• {part} · {group}: {done}/{total} scored{state}",
    "remind.sheet_ready": "• {part} · {group}: all {total} scored, not submitted yet{state}",
    "remind.footer": "Please finish and submit before the deadline. Tap below to continue where you stopped.",
    "remind.btn": "Continue {group}",
    "digest.title": "📋 <b>{campaign}</b>\n<b>{milestone}</b> closed at {due}.",
    "digest.title_collector": "📋 <b>{campaign}</b>\n<b>{milestone}</b> closed at {due}. Your leaders:",
    "digest.all_done": "✅ Everyone has submitted.",
    "digest.group": "\n<b>{part} · {group}</b>: {late} of {sheets} not submitted",
    "digest.rater": "• {name}: {done}/{total} scored{flag}",
    "digest.unbound": " (not linked)",
    "digest.unreachable": " (unreachable)",
    "digest.more": "… and {n} more",
    "digest.footer": "\nSend /status for live progress. Scores entered late are flagged in the report.",
}
