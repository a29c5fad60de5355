# en: texts converted from texts.record by tools/texts_to_ftl.py

ack-stale = This card was out of date: the score changed since; nothing was changed.
card-changed_since = ⚠️ This score changed after this card was drawn; it is now <b>{ $value }</b>. Tap again to replace it.
home-role_title =
    {""}
    <b>{ $name }</b>
adjust-refused-department = No department “{ $dept }”. Use its key or full name.
adjust-refused-external = “{ $dept }” is assessed externally: its imported final score is its total; no adjustments.
adjust-refused-points = “{ $points }” is not valid: write a plain number such as 2, -1.5 or +0.25 (at most two decimals, no exponent).
adjust-refused-points_range = { $points } is not valid: points must be non-zero and within ±100.
adjust-refused-reason = Give a reason (it is shown in the report and the audit log).
adjust-refused-reason_long = The reason has { $n } characters; at most { $max }.
adjust-id = {" "}(register #{ $id })
revoke-usage =
    Usage: /revoke ID REASON
    For example: /revoke 3 entered twice
    The IDs are in /adjustments.
revoke-unknown = There is no adjustment #{ $id }.
revoke-already = Adjustment #{ $id } is revoked already; nothing was changed.
revoke-confirm =
    Revoke adjustment #{ $id }: <b>{ $dept }</b> { $points } points ({ $reason })?
    Why: { $why }
revoke-done = ✅ Adjustment #{ $id } revoked (it stays in the register and the audit log).
register-empty = No adjustments yet.
register-title = <b>Adjustment register</b> ({ $n ->
        [one] 1 entry
       *[other] { $n } entries
    })
register-line = #{ $id } { $dept } { $points } points · { $reason } · { $by } · { $at }
register-revoked = {" "}— revoked: { $why }
register-hint = To revoke: /revoke ID REASON
reopen-pick_page = { $n ->
        [one] 1 submitted sheet
       *[other] { $n } submitted sheets
    } (page { $page }/{ $pages }). Pick the sheet to reopen, or send /reopen NAME to search by rater or group:
reopen-no_match = No submitted sheet matches “{ $q }”.
history-usage =
    Usage: /history DEPARTMENT
    For example: /history fgw
history-title = History of <b>{ $dept }</b> ({ $n ->
        [one] 1 entry
       *[other] { $n } entries
    })
history-line = { $at } · { $actor } · { $action } · { $subject }: { $old } → { $new } { $source }
history-more = … { $n ->
        [one] 1 older entry
       *[other] { $n } older entries
    } not shown (the whole trail: kaoping audit).
second_look-zero = ❓ Score <b>0</b>? A 0 usually means no performance at all.
second_look-far = ❓ Score <b>{ $value }</b>? It is more than 30 points from your mean on this sheet ({ $mean }).
btn-store_anyway = Yes, record { $value }
btn-retype = Type again
card-proxied = ✍ Your office entered this score for you.
review-proxied_legend = ✍ = entered for you by your office
proxy-batch = ✍ { $collector } entered or changed { $n ->
        [one] 1 score
       *[other] { $n } scores
    } for you in <b>{ $group }</b>. Please check:
btn-proxy_ok = ✅ All correct
btn-proxy_change = ✏️ Needs a change
proxy-confirmed = ✅ You confirmed the scores { $collector } entered for you.
proxy-change_sent = { $collector } was told that the scores entered for you need a change. You may also change them yourself on the sheet.
proxy-change_asked = ✏️ { $rater } asks for a change to the scores you entered in <b>{ $group }</b>.
receipts-title = <b>Your receipts</b> (SHA-256: check that a submitted sheet was not changed afterwards)
receipts-line =
    ✅ { $part } · { $group } { $who }
    { $n ->
        [one] 1 entry
       *[other] { $n } entries
    }, submitted { $time }
    <code>{ $digest }</code>
receipts-none = You have not submitted a sheet yet.
start-invite_revoked = This invite link was replaced by a newer one. Use the newest link the supervision office sent you.
bind-taken_over = ⚠️ Your role in this assessment ({ $rater }{ $role }) was bound to another Telegram account with a new invite link; this account can no longer score as that role. If this was not you, contact the supervision office at once.
cmd-adjustments = Adjustment register (staff)
cmd-revoke = Revoke an adjustment (admin)
cmd-history = A department's history (admin)
cmd-receipts = My submission receipts
ack-outdated = This card is out of date: the sheet was updated and this department is no longer on it. Nothing was changed; here is the current card.
