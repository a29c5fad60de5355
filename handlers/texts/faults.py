"""Texts about faults the bot recovered from (issue 11): what staff should know after a crash."""

ZH = {
    "st.reminders_unknown": "⚠️ 结果未知 {n} 条提醒：发送时程序中断，对方可能已收到，不再重发；下一次提醒照常发送。",
}

EN = {
    "st.reminders_unknown": (
        "⚠️ {n} reminders with unknown outcome: the bot stopped while sending them; they may have arrived "
        "and are not sent again. The next reminders go out as usual."
    ),
}
