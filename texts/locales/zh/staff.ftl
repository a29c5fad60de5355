# zh: texts converted from texts.staff by tools/texts_to_ftl.py

proxy-submitted = { $collector } 已代您提交 { $group } 的评分（共 { $n } 项）。如有异议请联系督查室。
approval-title =
    <b>待审定</b>：{ $where }
    评分人：{ $rater }（{ $n } 项）
btn-approve = ✅ 审定通过
btn-return = ↩ 退回并说明
approval-done = ✅ 已审定：{ $rater } · { $group }
approval-returned =
    ↩ 已退回：{ $rater } · { $group }
    意见：{ $comment }
approval-prompt = 请输入退回意见（将发给评分人）：
approval-told_rater =
    您提交的 <b>{ $group }</b> 评分已被退回修改。
    意见：{ $comment }
approval-not_pending = 此表当前无需审定。
approval-none = 目前没有待审定的表。
remind_now-pick = 提醒哪个截止节点的未完成者？
remind_now-milestone = { $name }（{ $n } 人未完成）
remind_now-nobody = 所有人都已完成，无需提醒。
remind_now-confirm = 确认现在提醒 <b>{ $name }</b> 的 { $n } 位未完成者？
remind_now-sending = 正在提醒 { $name } 的未完成者……
remind_now-done = ✅ { $name }：已提醒 { $sent } 人；无法送达 { $unreachable } 人；未绑定 { $unbound } 人；失败 { $failed } 人。
btn-confirm = 确认
adjust-usage =
    用法：/adjust 部门 分值 理由
    例如：/adjust fgw +2 获国家级表彰
    分值为非零数字（加分为正、减分为负）。
adjust-unknown_dept = 找不到部门“{ $dept }”。请使用部门代码或全称。
adjust-confirm =
    确认对 <b>{ $dept }</b> { $points } 分？
    理由：{ $reason }
adjust-stored = ✅ 已记录：{ $dept } { $points } 分（{ $reason }）
adjust-cancelled = 已取消，未做任何更改。
adjust-external = “{ $dept }”由外部单位考核，其导入的最终得分即为总分，不能加减分。
reopen-none = 目前没有已提交的表。
reopen-pick = 选择要退回的表：
reopen-prompt = 请输入退回理由（将发给评分人）：
reopen-not_submitted = 此表未处于已提交状态，未做更改。
reopen-done = ✅ 已退回 { $rater } · { $group }。理由：{ $reason }
reopen-told_rater =
    管理员已退回您提交的 <b>{ $group }</b>，请修改后重新提交。
    理由：{ $comment }
