# zh: texts converted from texts.imports by tools/texts_to_ftl.py

import-type = { $name }：只接受 CSV 或 XLSX 文件。
import-too_big = { $name }：文件过大（上限 { $mb } MB）。
import-reading = 正在读取 { $name }……
import-rejected =
    ❌ { $name } 有 { $n } 处问题，未导入任何数据：
    { $problems }
import-more =
    {""}
    ……另有 { $n } 处，完整列表见附件。
import-problems_caption = { $name }：全部 { $n } 处问题
import-plan_caption = { $name }：每一行将做什么
import-unreadable = ❌ 无法读取 { $name }：{ $reason }。未导入任何数据。
import-why_memory = 读取所需内存超出上限
import-why_time = 读取时间超出上限，请拆分为较小的文件
import-why_broken = 文件已损坏或格式不受支持
import-preview_scores =
    📋 <b>{ $name }</b>：{ $n } 个分数。
    新增 { $new }，修改 { $changed }，不变 { $unchanged }。
import-preview_results =
    📋 <b>{ $name }</b>：{ $n } 个外部考核结果。
    新增 { $new }，修改 { $changed }，不变 { $unchanged }。
import-preview_overwrites =
    {""}
    ⚠️ 其中 { $n } 个将覆盖评分人本人录入的分数（需再次确认，评分人会收到通知）：
import-preview_changes =
    {""}
    将修改：
import-preview_line = • 第 { $line } 行 { $who }：{ $old } → { $new }
import-preview_more = • ……另有 { $n } 行（见附件）
import-preview_ask =
    {""}
    尚未导入任何数据。确认导入吗？
import-nothing = ℹ️ { $name }：全部 { $n } 行与已存数据相同，无需导入。
import-second =
    ⚠️ <b>{ $name }</b> 将覆盖 { $n } 个评分人本人录入的分数：
    { $lines }
    {""}
    确认覆盖？评分人会收到通知。
btn-import = 确认导入
btn-import_overwrite = 确认覆盖并导入
import-scores_done = ✅ 已从 { $name } 导入 { $n } 个分数（新增 { $new }，修改 { $changed }，不变 { $unchanged }）。
import-scores_told = 已通知 { $n } 位评分人其分数被替换。
import-results_done = ✅ 已从 { $name } 导入 { $n } 个外部考核结果（新增 { $new }，修改 { $changed }，不变 { $unchanged }）。
import-cancelled = 已取消，未导入任何数据。
import-stale = ⚠️ 预览之后已存分数有变化，未导入任何数据。请重新发送文件以查看最新预览。
import-failed =
    ❌ 未导入任何数据：
    { $problems }
import-gone = 此导入卡片已失效。
import-overwritten_notice = ℹ️ 考评办通过导入替换了您对 <b>{ $dept }</b> 的评分：{ $old } → { $new }。如有疑问请联系考评办。
mark-imported = （导入）
