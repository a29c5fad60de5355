# zh: texts converted from texts.common by tools/texts_to_ftl.py

cmd-start = 开始 / 首页
cmd-help = 帮助
cmd-lang = 切换语言 / Language
cmd-status = 进度（工作人员）
cmd-report = 结果（工作人员）
cmd-remind = 提醒未完成者（工作人员）
start-bound_rater =
    已绑定：<b>{ $name }</b>。
    下面是您需要评分的表。
start-bound_staff = 已绑定工作人员：<b>{ $name }</b>（{ $roles }）。发送 /help 查看可用命令。
start-invite_unknown = 此邀请链接无效。请向督查室索取新的链接。
start-invite_used = 此邀请链接已被使用。如需在新设备上使用，请向督查室索取新的链接。
start-invite_expired = 此邀请链接已过期。请向督查室索取新的链接。
start-not_bound =
    您好！这是市政府部门考评机器人。
    您尚未绑定身份：请使用督查室发给您的专属邀请链接打开本机器人。
help-rater =
    <b>如何评分</b>
    • 每个部门点一下分数按钮即可保存，自动进入下一个部门。
    • “其他分数…”可输入 0–100 之间的分数（最多一位小数）。
    • “备注”填写评语；“回避”需说明理由。
    • 提交前可随时修改；提交后锁定。
    命令：/start 首页　/lang 切换语言
lang-switched = 已切换为中文。
refused = 抱歉，您无权使用此功能。
stale = 此按钮已失效，请发送 /start。
error-generic = 出错了，请稍后再试。您已保存的分数不受影响。
