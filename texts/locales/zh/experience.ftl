# zh: commands by role, honest replies, language choice, role names, manual reminders

cmd-adjust = 加减分（工作人员）
cmd-reopen = 退回已提交的表（管理员）
cmd-approve = 待审定的表（审定人）
commands-line = /{ $command } — { $description }
help-commands =
    <b>您可以使用的命令</b>
    { $commands }
help-files = 发送 CSV/XLSX 文件可导入分数或外部结果。
fallback-unknown_command =
    我不认识 { $command } 这个命令。您可以使用：
    { $commands }
fallback-not_text =
    我只读得懂按钮、命令和文字消息。您可以使用：
    { $commands }
fallback-file_staff_only =
    文件导入仅由督查室工作人员使用；评分请点击按钮或直接输入分数。您可以使用：
    { $commands }
fallback-stray_text =
    请使用下面的命令：
    { $commands }
lang-pick = 请选择语言 / Choose your language:
lang-unknown = 不支持“{ $text }”。请发送 /lang zh（中文）或 /lang en（English），或只发送 /lang 后点选。
lang-btn_zh = 中文
lang-btn_en = English
role-admin = 管理员
role-staff = 工作人员
role-collector = 领导评分代录
role-approver = 审定人
role-sep = 、
remind_now-quiet = ⏳ <b>{ $name }</b>的未完成者已于 { $time } 被提醒过（{ $actor }）。为免打扰，{ $next } 之后才能再次提醒。
remind_now-cancelled = 已取消，未发送任何提醒。
remind_now-unbound =
    {""}
    ❔ 尚未打开邀请链接（{ $n } 人）：{ $names }。提醒发不到他们，请电话联系或重新发放邀请链接。
status-unbound = ❔ <b>尚未打开邀请链接（{ $n } 人）</b>：{ $names }
digest-unbound_names =
    {""}
    ❔ <b>尚未打开邀请链接</b>：{ $names }。机器人无法提醒他们，请直接联系。
