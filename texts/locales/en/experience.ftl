# en: commands by role, honest replies, language choice, role names, manual reminders

cmd-adjust = Bonus/penalty (staff)
cmd-reopen = Reopen a submitted sheet (admin)
cmd-approve = Sheets awaiting approval (approver)
commands-line = /{ $command } — { $description }
help-commands =
    <b>Your commands</b>
    { $commands }
help-files = Send a CSV/XLSX file to import scores or external results.
fallback-unknown_command =
    I do not know the command { $command }. You can use:
    { $commands }
fallback-not_text =
    I understand buttons, commands and text messages only. You can use:
    { $commands }
fallback-file_staff_only =
    Files are imported by the supervision office's staff only; to score, tap the buttons or type a score. You can use:
    { $commands }
fallback-stray_text =
    Please use one of these commands:
    { $commands }
lang-pick = 请选择语言 / Choose your language:
lang-unknown = “{ $text }” is not a language I offer. Send /lang en (English) or /lang zh (中文), or just /lang to choose.
lang-btn_zh = 中文
lang-btn_en = English
role-admin = administrator
role-staff = staff
role-collector = collector of leaders' scores
role-approver = approver
role-sep = ,{" "}
remind_now-quiet = ⏳ The laggards of <b>{ $name }</b> were reminded at { $time } ({ $actor }). To spare them, the next reminder is possible after { $next }.
remind_now-cancelled = Cancelled; no reminder was sent.
remind_now-unbound =
    {""}
    ❔ { $n ->
        [one] 1 person has
       *[other] { $n } people have
    } never opened their invite: { $names }. Reminders cannot reach them; please call them or issue a new invite link.
status-unbound = ❔ <b>Never opened their invite ({ $n })</b>: { $names }
digest-unbound_names =
    {""}
    ❔ <b>Never opened their invite</b>: { $names }. The bot cannot remind them; please contact them directly.
