# zh: texts converted from texts.record by tools/texts_to_ftl.py

ack-stale = 此卡片已过期：分数在此之后已有改动，未做任何更改。
card-changed_since = ⚠️ 此分数在您打开这张卡片后已被改动，现为 <b>{ $value }</b>。如需修改，请再点一次。
home-role_title =
    {""}
    <b>{ $name }</b>
adjust-refused-department = 找不到部门“{ $dept }”。请使用部门代码或全称。
adjust-refused-external = “{ $dept }”由外部单位考核，其导入的最终得分即为总分，不能加减分。
adjust-refused-points = 分值“{ $points }”无效：请写普通数字，如 2、-1.5 或 +0.25（最多两位小数，不接受科学计数法）。
adjust-refused-points_range = 分值 { $points } 无效：须为非零数字，且在 ±100 以内。
adjust-refused-reason = 请写明理由（理由会出现在报表和审计日志中）。
adjust-refused-reason_long = 理由共 { $n } 个字，最多 { $max } 个字。
adjust-id = （登记号 #{ $id }）
revoke-usage =
    用法：/revoke 登记号 理由
    例如：/revoke 3 重复登记
    登记号见 /adjustments。
revoke-unknown = 没有登记号为 #{ $id } 的加减分。
revoke-already = 加减分 #{ $id } 已经撤销，未做更改。
revoke-confirm =
    确认撤销加减分 #{ $id }：<b>{ $dept }</b> { $points } 分（{ $reason }）？
    撤销理由：{ $why }
revoke-done = ✅ 已撤销加减分 #{ $id }（仍保留在登记簿和审计日志中）。
register-empty = 尚无加减分登记。
register-title = <b>加减分登记簿</b>（共 { $n } 条）
register-line = #{ $id } { $dept } { $points } 分 · { $reason } · { $by } · { $at }
register-revoked = {" "}—— 已撤销：{ $why }
register-hint = 撤销：/revoke 登记号 理由
reopen-pick_page = 已提交的表共 { $n } 份（第 { $page }/{ $pages } 页），选择要退回的表；也可发送 /reopen 姓名或评议组 搜索：
reopen-no_match = 没有与“{ $q }”匹配的已提交表。
history-usage =
    用法：/history 部门
    例如：/history fgw
history-title = <b>{ $dept }</b> 的记录（共 { $n } 条）
history-line = { $at } · { $actor } · { $action } · { $subject }：{ $old } → { $new } { $source }
history-more = ……另有 { $n } 条较早的记录未显示（完整记录：kaoping audit）。
second_look-zero = ❓ 确定打 <b>0</b> 分吗？0 分通常表示完全未履职。
second_look-far = ❓ 确定打 <b>{ $value }</b> 分吗？与您在本表的平均分 { $mean } 相差超过 30 分。
btn-store_anyway = 确定，记为 { $value }
btn-retype = 重新输入
card-proxied = ✍ 此分数由您的办公室代为录入。
review-proxied_legend = ✍ = 由您的办公室代为录入
proxy-batch = ✍ { $collector } 已代您在 <b>{ $group }</b> 录入或修改了 { $n } 项评分。请核对：
btn-proxy_ok = ✅ 确认无误
btn-proxy_change = ✏️ 需要修改
proxy-confirmed = ✅ 已确认 { $collector } 代录的分数。
proxy-change_sent = 已告知 { $collector }：代录的分数需要修改。您也可以直接在评分表中修改。
proxy-change_asked = ✏️ { $rater } 请求修改您在 <b>{ $group }</b> 代录的分数。
receipts-title = <b>您的提交回执</b>（SHA-256，可用于核对提交后的评分未被改动）
receipts-line =
    ✅ { $part } · { $group } { $who }
    共 { $n } 项，提交时间 { $time }
    <code>{ $digest }</code>
receipts-none = 您还没有已提交的评分表。
start-invite_revoked = 此邀请链接已被新的链接取代。请使用督查室最新发给您的链接。
bind-taken_over = ⚠️ 您在本次考评中的身份（{ $rater }{ $role }）已通过新的邀请链接绑定到另一个 Telegram 账号，此账号不再能以该身份评分。如非您本人操作，请立即联系督查室。
cmd-adjustments = 加减分登记簿（工作人员）
cmd-revoke = 撤销加减分（管理员）
cmd-history = 部门记录（管理员）
cmd-receipts = 我的提交回执
ack-outdated = 此卡片已过期：评分表已更新，此部门已不在您的表中。未做任何更改，请看最新的卡片。
