# en: texts converted from handlers.texts.faults by tools/texts_to_ftl.py

st-reminders_unknown = ⚠️ { $n } reminders with unknown outcome: the bot stopped while sending them; they may have arrived and are not sent again. The next reminders go out as usual.
