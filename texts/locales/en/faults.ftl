# en: texts converted from texts.faults by tools/texts_to_ftl.py

st-reminders_unknown = ⚠️ { $n ->
        [one] 1 reminder with unknown outcome: the bot stopped while sending it; it may have arrived and is not sent again.
       *[other] { $n } reminders with unknown outcome: the bot stopped while sending them; they may have arrived and are not sent again.
    } The next reminders go out as usual.
