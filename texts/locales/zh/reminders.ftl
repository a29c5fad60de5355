# zh: texts converted from texts.reminders by tools/texts_to_ftl.py

remind-title =
    ⏰ <b>{ $campaign }</b>
    <b>{ $milestone }</b>截止：{ $due }（{ $left }）
remind-sheet = • { $where }：已评 { $done }/{ $total }{ $state }
remind-sheet_ready = • { $where }：已全部评分（{ $total } 项），尚未提交{ $state }
remind-footer = 请在截止前完成并提交。点击下方按钮，从上次停下的地方继续。
remind-btn = 继续 { $group }
digest-title =
    📋 <b>{ $campaign }</b>
    <b>{ $milestone }</b>已于 { $due } 截止。
digest-title_collector =
    📋 <b>{ $campaign }</b>
    <b>{ $milestone }</b>已于 { $due } 截止。您代为录入的领导：
digest-all_done = ✅ 全部已提交。
digest-group =
    {""}
    <b>{ $where }</b>：{ $late }/{ $sheets } 未提交
digest-rater = • { $name }：已评 { $done }/{ $total }{ $flag }
digest-unbound = （未绑定）
digest-unreachable = （无法送达）
digest-more = ……另有 { $n } 人
digest-footer =
    {""}
    发送 /status 查看最新进度。逾期录入的分数会在报表中标注。
