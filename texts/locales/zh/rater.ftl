# zh: texts converted from texts.rater by tools/texts_to_ftl.py

home-title =
    <b>{ $campaign }</b>
    { $who }
home-sheet =
    { $mark } <b>{ $where }</b>  { $done }/{ $total }
    {"    "}截止 { $due }（{ $left }）{ $state }
home-empty = 您没有需要评分的表。
home-proxy_title =
    {""}
    <b>代为录入</b>（{ $name }）
state-open = {""}
state-submitted = · 已提交
state-reopened = · 已退回修改
state-approved = · 已审定
left-days = 剩 { $n } 天
left-hours = 剩 { $n } 小时
left-minutes = 剩 { $n } 分钟
left-passed = 已过截止时间
btn-continue = 继续 { $group }
btn-proxy = 代 { $name } 录入
btn-review = 检查 { $group }
btn-submit_sheet = ✅ 提交 { $group }
btn-home = 🏠 首页
btn-other = 其他分数…
btn-comment = 💬 备注
btn-recuse = 回避
btn-back = ◀ 上一个
btn-skip = 跳过 ▶
btn-list = ☰ 列表
btn-undo = ↶ 撤销
btn-to_review = 检查并提交
btn-submit = ✅ 提交
btn-confirm_submit = 确认提交
btn-cancel = 取消
btn-prev_page = ◀
btn-next_page = ▶
btn-resume = 继续评分
card-head = <b>{ $where }</b>　{ $pos }/{ $total }　已评 { $done }
card-dept =
    <b>{ $dept }</b>
    { $sector }
card-current = 当前分数：<b>{ $value }</b>
card-recused = 已回避：{ $reason }
card-comment = 备注：{ $comment }
card-proxy = （代 { $name } 录入）
card-reopened = ⚠️ 此表已退回：{ $reason }
card-prompt_value = 请输入分数：{ $min }–{ $max }，最多 { $decimals } 位小数。
card-prompt_comment = 请输入对该部门的评语（最多 { $max } 字）。
card-prompt_reason = 请说明回避理由（例如曾在该部门任职）。
value-not_a_number = ❗ “{ $text }”不是数字。
value-off_scale = ❗ { $text } 超出评分范围。
value-decimals = ❗ { $text } 的小数位数过多。
card-comment_too_long = ❗ 评语过长（{ $n } 字），最多 { $max } 字。
card-all_done = 本表所有部门均已评分。
ack-saved = 已保存 { $value }
ack-recused = 已回避
ack-comment = 备注已保存
ack-undone = 已撤销
ack-nothing_to_undo = 没有可撤销的操作
ack-locked = 此表已提交，不能再修改。
ack-invalid = 无效操作，未做任何更改。
ack-incomplete = 还有 { $n } 个部门未评分，不能提交。
list-title = <b>{ $group }</b>：选择部门（✓ 已评　· 未评）
review-title = <b>{ $where }</b>　检查（第 { $page }/{ $pages } 页）
review-line = { $n }. { $dept }：{ $value }{ $comment }
review-missing = 未评
review-recused = 回避
review-missing_count = ⚠️ 还有 { $n } 个部门未评分。
review-spread = 您的分数：平均 { $mean }，最高 { $max }，最低 { $min }；最常给出 { $top }（{ $count }/{ $total } 次）。
submit-confirm = 确认提交 <b>{ $group }</b> 的 { $n } 个评分？提交后将锁定，只有管理员可以退回。
submit-receipt =
    ✅ <b>已提交</b>：{ $where }
    共 { $n } 项，提交时间 { $time }
    回执（SHA-256）：
    <code>{ $digest }</code>
submit-already = 此表已于 { $time } 提交。
