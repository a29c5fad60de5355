"""Texts of the staff side: approvals, proxies, status, report, adjustments, reopen, imports, reminders."""

ZH = {
    "proxy.submitted": "{collector} 已代您提交 {group} 的评分（共 {n} 项）。如有异议请联系督查室。",
    "approval.title": "<b>待审定</b>：{part} · {group}\n评分人：{rater}（{n} 项）",
    "btn.approve": "✅ 审定通过",
    "btn.return": "↩ 退回并说明",
    "approval.done": "✅ 已审定：{rater} · {group}",
    "approval.returned": "↩ 已退回：{rater} · {group}\n意见：{comment}",
    "approval.prompt": "请输入退回意见（将发给评分人）：",
    "approval.told_rater": "您提交的 <b>{group}</b> 评分已被退回修改。\n意见：{comment}",
    "approval.not_pending": "此表当前无需审定。",
}

EN = {
    "proxy.submitted": "{collector} submitted your scores for {group} on your behalf ({n} entries). "
                       "Contact the supervision office if anything is wrong.",
    "approval.title": "<b>Awaiting approval</b>: {part} · {group}\nRater: {rater} ({n} entries)",
    "btn.approve": "✅ Approve",
    "btn.return": "↩ Return with comment",
    "approval.done": "✅ Approved: {rater} · {group}",
    "approval.returned": "↩ Returned: {rater} · {group}\nComment: {comment}",
    "approval.prompt": "Type your comment for the rater:",
    "approval.told_rater": "Your scores for <b>{group}</b> were returned for changes.\nComment: {comment}",
    "approval.not_pending": "This sheet is not awaiting approval.",
}
