# en: texts converted from texts.imports by tools/texts_to_ftl.py

import-type = { $name }: only CSV or XLSX files are accepted.
import-too_big = { $name }: the file is too large (at most { $mb } MB).
import-reading = Reading { $name }…
import-rejected =
    ❌ { $n ->
        [one] 1 problem
       *[other] { $n } problems
    } in { $name }; nothing was imported:
    { $problems }
import-more =
    {""}
    … and { $n } more; the full list is attached.
import-problems_caption = { $name }: all { $n } problems
import-plan_caption = { $name }: what each row would do
import-unreadable = ❌ Cannot read { $name }: { $reason }. Nothing was imported.
import-why_memory = it needs more memory than allowed
import-why_time = it takes too long to read; split it into smaller files
import-why_broken = the file is damaged or of an unsupported kind
import-preview_scores =
    📋 <b>{ $name }</b>: { $n ->
        [one] 1 score.
       *[other] { $n } scores.
    }
    { $new } new, { $changed } changed, { $unchanged } unchanged.
import-preview_results =
    📋 <b>{ $name }</b>: { $n ->
        [one] 1 external result.
       *[other] { $n } external results.
    }
    { $new } new, { $changed } changed, { $unchanged } unchanged.
import-preview_overwrites =
    {""}
    ⚠️ { $n } of them replace a score the rater entered (a second confirmation is needed; the raters are told):
import-preview_changes =
    {""}
    Changes:
import-preview_line = • line { $line } { $who }: { $old } → { $new }
import-preview_more = • … and { $n } more (attached)
import-preview_ask =
    {""}
    Nothing is imported yet. Import it?
import-nothing = ℹ️ { $name }: all { $n } rows match what is stored; nothing to import.
import-second =
    ⚠️ <b>{ $name }</b> replaces { $n ->
        [one] 1 score a rater
       *[other] { $n } scores raters
    } entered themselves:
    { $lines }
    {""}
    Replace them? The raters are told.
btn-import = Import
btn-import_overwrite = Replace and import
import-scores_done = ✅ Imported { $n ->
        [one] 1 score
       *[other] { $n } scores
    } from { $name } ({ $new } new, { $changed } changed, { $unchanged } unchanged).
import-scores_told = { $n ->
        [one] 1 rater was told their score was
       *[other] { $n } raters were told their scores were
    } replaced.
import-results_done = ✅ Imported { $n ->
        [one] 1 external result
       *[other] { $n } external results
    } from { $name } ({ $new } new, { $changed } changed, { $unchanged } unchanged).
import-cancelled = Cancelled; nothing was imported.
import-stale = ⚠️ The stored scores changed since the preview; nothing was imported. Send the file again for a fresh preview.
import-failed =
    ❌ Nothing was imported:
    { $problems }
import-gone = This import card is no longer valid.
import-overwritten_notice = ℹ️ The supervision office replaced your score for <b>{ $dept }</b> by an import: { $old } → { $new }. Contact the office if anything is wrong.
mark-imported = (imported)
