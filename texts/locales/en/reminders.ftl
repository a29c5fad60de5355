# en: texts converted from texts.reminders by tools/texts_to_ftl.py

remind-title =
    ⏰ <b>{ $campaign }</b>
    <b>{ $milestone }</b> is due { $due } ({ $left })
remind-sheet = • { $where }: { $done }/{ $total } scored{ $state }
remind-sheet_ready = • { $where }: all { $total } scored, not submitted yet{ $state }
remind-footer = Please finish and submit before the deadline. Tap below to continue where you stopped.
remind-btn = Continue { $group }
digest-title =
    📋 <b>{ $campaign }</b>
    <b>{ $milestone }</b> closed at { $due }.
digest-title_collector =
    📋 <b>{ $campaign }</b>
    <b>{ $milestone }</b> closed at { $due }. Your leaders:
digest-all_done = ✅ Everyone has submitted.
digest-group =
    {""}
    <b>{ $where }</b>: { $late } of { $sheets } not submitted
digest-rater = • { $name }: { $done }/{ $total } scored{ $flag }
digest-unbound = {" "}(not linked)
digest-unreachable = {" "}(unreachable)
digest-more = … and { $n } more
digest-footer =
    {""}
    Send /status for live progress. Scores entered late are flagged in the report.
