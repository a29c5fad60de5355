# en: texts converted from texts.staff by tools/texts_to_ftl.py

proxy-submitted = { $collector } submitted your scores for { $group } on your behalf ({ $n ->
        [one] 1 entry
       *[other] { $n } entries
    }). Contact the supervision office if anything is wrong.
approval-title =
    <b>Awaiting approval</b>: { $where }
    Rater: { $rater } ({ $n ->
        [one] 1 entry
       *[other] { $n } entries
    })
btn-approve = ✅ Approve
btn-return = ↩ Return with comment
approval-done = ✅ Approved: { $rater } · { $group }
approval-returned =
    ↩ Returned: { $rater } · { $group }
    Comment: { $comment }
approval-prompt = Type your comment for the rater:
approval-told_rater =
    Your scores for <b>{ $group }</b> were returned for changes.
    Comment: { $comment }
approval-not_pending = This sheet is not awaiting approval.
approval-none = No sheets are waiting for your approval.
remind_now-pick = Remind the laggards of which deadline?
remind_now-milestone = { $name } ({ $n } not finished)
remind_now-nobody = Everyone has finished; nobody to remind.
remind_now-confirm = Remind { $n ->
        [one] the 1 laggard
       *[other] the { $n } laggards
    } of <b>{ $name }</b> now?
remind_now-sending = Reminding the laggards of { $name }…
remind_now-done = ✅ { $name }: reminded { $sent }; unreachable { $unreachable }; not linked { $unbound }; failed { $failed }.
btn-confirm = Confirm
adjust-usage =
    Usage: /adjust DEPARTMENT POINTS REASON
    For example: /adjust fgw +2 national award
    POINTS is non-zero (bonus positive, penalty negative).
adjust-unknown_dept = No department “{ $dept }”. Use its key or full name.
adjust-confirm =
    Record { $points } points for <b>{ $dept }</b>?
    Reason: { $reason }
adjust-stored = ✅ Recorded: { $dept } { $points } points ({ $reason })
adjust-cancelled = Cancelled; nothing was changed.
adjust-external = “{ $dept }” is assessed externally: its imported final score is its total; no adjustments.
reopen-none = No sheets are submitted yet.
reopen-pick = Pick the sheet to reopen:
reopen-prompt = Type the reason (the rater will see it):
reopen-not_submitted = This sheet is not submitted; nothing was changed.
reopen-done = ✅ Reopened { $rater } · { $group }. Reason: { $reason }
reopen-told_rater =
    An administrator reopened your submitted <b>{ $group }</b>; please revise and submit again.
    Reason: { $comment }
