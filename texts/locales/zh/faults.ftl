# zh: texts converted from texts.faults by tools/texts_to_ftl.py

st-reminders_unknown = ⚠️ 结果未知 { $n } 条提醒：发送时程序中断，对方可能已收到，不再重发；下一次提醒照常发送。
