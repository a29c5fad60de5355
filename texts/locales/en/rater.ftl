# en: texts converted from texts.rater by tools/texts_to_ftl.py

home-title =
    <b>{ $campaign }</b>
    { $who }
home-sheet =
    { $mark } <b>{ $where }</b>  { $done }/{ $total }
    {"    "}due { $due } ({ $left }) { $state }
home-empty = You have no sheets to score.
home-proxy_title =
    {""}
    <b>Entering on behalf of</b> { $name }
state-open = {""}
state-submitted = · submitted
state-reopened = · returned for changes
state-approved = · approved
left-days = { $n ->
        [one] 1 day left
       *[other] { $n } days left
    }
left-hours = { $n ->
        [one] 1 hour left
       *[other] { $n } hours left
    }
left-minutes = { $n ->
        [one] 1 minute left
       *[other] { $n } minutes left
    }
left-passed = deadline passed
btn-continue = Continue { $group }
btn-proxy = Enter for { $name }
btn-review = Review { $group }
btn-submit_sheet = ✅ Submit { $group }
btn-home = 🏠 Home
btn-other = Other…
btn-comment = 💬 Comment
btn-recuse = Recuse
btn-back = ◀ Back
btn-skip = Skip ▶
btn-list = ☰ List
btn-undo = ↶ Undo
btn-to_review = Review & submit
btn-submit = ✅ Submit
btn-confirm_submit = Yes, submit
btn-cancel = Cancel
btn-prev_page = ◀
btn-next_page = ▶
btn-resume = Continue scoring
card-head = <b>{ $where }</b>  { $pos }/{ $total }  scored { $done }
card-dept =
    <b>{ $dept }</b>
    { $sector }
card-current = Current score: <b>{ $value }</b>
card-recused = Recused: { $reason }
card-comment = Comment: { $comment }
card-proxy = (entering for { $name })
card-reopened = ⚠️ This sheet was returned: { $reason }
card-prompt_value = Type a score: { $min }–{ $max }, { $decimals ->
        [0] whole numbers only.
        [one] at most 1 decimal.
       *[other] at most { $decimals } decimals.
    }
card-prompt_comment = Type your comment on this department (at most { $max } characters).
card-prompt_reason = Say why you recuse (for example, you used to work there).
value-not_a_number = ❗ “{ $text }” is not a number.
value-off_scale = ❗ { $text } is outside the scale.
value-decimals = ❗ { $text } has too many decimals.
card-comment_too_long = ❗ The comment is too long ({ $n } characters); at most { $max }.
card-all_done = Every department of this sheet is scored.
ack-saved = Saved { $value }
ack-recused = Recused
ack-comment = Comment saved
ack-undone = Undone
ack-nothing_to_undo = Nothing to undo
ack-locked = This sheet is submitted and locked.
ack-invalid = Not valid; nothing was changed.
ack-incomplete = { $n ->
        [one] 1 department is
       *[other] { $n } departments are
    } still unscored; cannot submit yet.
list-title = <b>{ $group }</b>: pick a department (✓ scored  · open)
review-title = <b>{ $where }</b>  review (page { $page }/{ $pages })
review-line = { $n }. { $dept }: { $value }{ $comment }
review-missing = not scored
review-recused = recused
review-missing_count = ⚠️ { $n ->
        [one] 1 department
       *[other] { $n } departments
    } not scored yet.
review-spread = Your scores: mean { $mean }, highest { $max }, lowest { $min }; most given { $top } ({ $count } of { $total }).
submit-confirm = Submit { $n ->
        [one] the 1 score
       *[other] the { $n } scores
    } of <b>{ $group }</b>? The sheet is then locked; only an admin can reopen it.
submit-receipt =
    ✅ <b>Submitted</b>: { $where }
    { $n ->
        [one] 1 entry
       *[other] { $n } entries
    }, at { $time }
    Receipt (SHA-256):
    <code>{ $digest }</code>
submit-already = This sheet was submitted at { $time }.
