# en: texts converted from texts.staff_report by tools/texts_to_ftl.py

st-title = 📋 <b>{ $title }</b> · progress
st-scope_collector = Only the leaders you collect for are shown.
st-overall =
    Overall { $bar }
    { $done }/{ $total } entries scored · { $submitted }/{ $sheets } sheets submitted
st-milestone = ⏰ { $name }: { $due } ({ $left })
st-part = <b>{ $part }</b>
st-group =
    ▪ { $group } { $bar }
    {"    "}{ $done }/{ $total } entries · { $submitted }/{ $sheets } submitted · due { $due }
st-laggards = {"    "}Behind: { $names }
st-laggard = { $name } { $done }/{ $total }{ $marks }
st-more = {" "}and { $n } more
st-all_done = {"    "}✅ all submitted
st-sep = ,{" "}
st-mark_unreachable = 📵
st-mark_unbound = ❔
st-legend_unreachable = 📵 messages cannot be delivered (the bot may be blocked)
st-legend_unbound = ❔ not linked with an invite yet
st-truncated = … cut short: too long. Use the buttons below for each group.
st-empty = Nothing to show yet.
st-stale = This button is no longer valid. Send /status again.
st-btn_group = { $group } { $pct }%
st-btn_rater = { $name } { $done }/{ $total }
st-btn_refresh = 🔄 Refresh
st-btn_overview = ⬅ Overview
st-btn_group_back = ⬅ { $group }
st-btn_prev = ◀ Previous
st-btn_next = Next ▶
st-group_title =
    <b>{ $where }</b>
    { $bar }
    { $done }/{ $total } entries · { $submitted }/{ $sheets } sheets submitted
    Due { $due } ({ $left })
st-page = page { $page }/{ $pages }
st-rater_line = { $n }. { $mark } { $name } { $done }/{ $total } · { $state }{ $marks }
st-rater_title = <b>{ $name }</b>{ $marks }
st-sheet_line =
    { $mark } <b>{ $where }</b>
    {"    "}{ $done }/{ $total } entries · { $state }
st-sheet_due = due { $due } ({ $left })
st-submitted_at = on { $time }
st-state-open = in progress
st-state-not_started = not started
st-state-reopened = returned for changes
st-state-submitted = submitted
st-state-awaiting = submitted, awaiting approval
st-state-approved = approved
rp-title = 📊 <b>{ $title }</b> · results
rp-provisional = ⏳ <b>Provisional</b>: deadlines are still ahead, sheets unsubmitted or results missing; the ranking will change.
rp-final = ✅ Every deadline has passed and every sheet is submitted.
rp-generated = Generated { $time }
rp-profile = <b>{ $profile }</b> ({ $n })
rp-head = Rank  Total  Department
rp-more = … and { $n } more; the full list is in the file.
rp-flags_title = <b>Needs attention</b>
rp-flag_line = • { $flag }: { $items }
rp-flag_item = { $name } ({ $n ->
        [one] 1 department
       *[other] { $n } departments
    })
rp-flag_more = {" "}… ({ $n } in all)
rp-note_incomplete = {"*"} incomplete (see “Needs attention”)
rp-note_thin = # some groups have fewer than { $k } raters: their results are not shown in the chat; the chart folds them into the grey “withheld” part
rp-note_hidden = — fewer than { $k } raters so far: total not shown; ranks count only the departments shown
rp-truncated = … cut short: too long. The file has the full results.
rp-doc_admin = 📎 Full workbook with individual scores. Administrators only; do not forward.
rp-note_staff = 🔒 Non-admin view: confidential groups count handed-in sheets only, in blocks of { $k }; scores not counted yet are left out of the totals.
rp-doc_staff = 📎 Workbook (non-admin view: no individual scores, minima or maxima; confidential groups count handed-in sheets in blocks of { $k }).
rp-chart = 📈 Departments ranked, bars stacked by part points. Grey: parts withheld; * incomplete.
rp-no_font = ⚠️ The ranking chart needs a Chinese font, which the server lacks (e.g. fonts-wqy-microhei); no chart this time.
