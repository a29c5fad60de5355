# en: texts converted from texts.common by tools/texts_to_ftl.py

cmd-start = Start / home
cmd-help = Help
cmd-lang = Language / 语言
cmd-status = Progress (staff)
cmd-report = Results (staff)
cmd-remind = Remind laggards (staff)
start-bound_rater =
    Linked as <b>{ $name }</b>.
    Here are the sheets you are asked to score.
start-bound_staff = Linked as staff: <b>{ $name }</b> ({ $roles }). Send /help for your commands.
start-invite_unknown = This invite link is not valid. Please ask the supervision office for a new one.
start-invite_used = This invite link has been used already. Ask the supervision office for a new one.
start-invite_expired = This invite link has expired. Ask the supervision office for a new one.
start-not_bound =
    Hello! This is the city's department assessment bot.
    You are not linked yet: open the bot with the personal invite link the supervision office sent you.
help-rater =
    <b>How to score</b>
    • Tap a score to save it; the next department follows.
    • “Other…” lets you type a score from 0 to 100 (one decimal at most).
    • “Comment” adds your remarks; “Recuse” needs a reason.
    • You can change any score until you submit; then the sheet is locked.
    Commands: /start home  /lang language
lang-switched = Switched to English.
refused = Sorry, this is not available to you.
stale = This button is no longer valid. Send /start.
error-generic = Something went wrong; please try again. Scores you saved are safe.
