# zh: texts converted from texts.staff_report by tools/texts_to_ftl.py

st-title = 📋 <b>{ $title }</b> · 进度
st-scope_collector = 仅显示您代为收集的领导。
st-overall =
    总体 { $bar }
    已评 { $done }/{ $total } 项 · 已提交 { $submitted }/{ $sheets } 张表
st-milestone = ⏰ { $name }：{ $due }（{ $left }）
st-part = <b>{ $part }</b>
st-group =
    ▪ { $group } { $bar }
    {"    "}{ $done }/{ $total } 项 · 已提交 { $submitted }/{ $sheets } · 截止 { $due }
st-laggards = {"    "}未完成：{ $names }
st-laggard = { $name } { $done }/{ $total }{ $marks }
st-more = {" "}等另 { $n } 人
st-all_done = {"    "}✅ 全部已提交
st-sep = 、
st-mark_unreachable = 📵
st-mark_unbound = ❔
st-legend_unreachable = 📵 消息无法送达（可能已屏蔽机器人）
st-legend_unbound = ❔ 尚未用邀请链接绑定
st-truncated = ……内容过长，已截断。请点下方按钮查看各评议组。
st-empty = 目前没有可显示的进度。
st-stale = 此按钮已失效，请重新发送 /status。
st-btn_group = { $group } { $pct }%
st-btn_rater = { $name } { $done }/{ $total }
st-btn_refresh = 🔄 刷新
st-btn_overview = ⬅ 总览
st-btn_group_back = ⬅ { $group }
st-btn_prev = ◀ 上一页
st-btn_next = 下一页 ▶
st-group_title =
    <b>{ $where }</b>
    { $bar }
    { $done }/{ $total } 项 · 已提交 { $submitted }/{ $sheets } 张表
    截止 { $due }（{ $left }）
st-page = 第 { $page }/{ $pages } 页
st-rater_line = { $n }. { $mark } { $name } { $done }/{ $total } · { $state }{ $marks }
st-rater_title = <b>{ $name }</b>{ $marks }
st-sheet_line =
    { $mark } <b>{ $where }</b>
    {"    "}{ $done }/{ $total } 项 · { $state }
st-sheet_due = 截止 { $due }（{ $left }）
st-submitted_at = 提交于 { $time }
st-state-open = 进行中
st-state-not_started = 未开始
st-state-reopened = 已退回修改
st-state-submitted = 已提交
st-state-awaiting = 已提交，待审定
st-state-approved = 已审定
rp-title = 📊 <b>{ $title }</b> · 考评结果
rp-provisional = ⏳ <b>中期结果（暂定）</b>：仍有截止时间未到、评分表未提交或结果缺项，排名还会变化。
rp-final = ✅ 所有截止时间已过，所有评分表均已提交。
rp-generated = 生成于 { $time }
rp-profile = <b>{ $profile }</b>（{ $n } 个部门）
rp-head = 名次   总分   部门
rp-more = ……另有 { $n } 个部门，完整名单见文件。
rp-flags_title = <b>需要注意</b>
rp-flag_line = • { $flag }：{ $items }
rp-flag_item = { $name }（{ $n } 个部门）
rp-flag_more = {" "}等共 { $n } 项
rp-note_incomplete = {"*"} 数据不完整（见“需要注意”）
rp-note_thin = # 部分评议组评分人数少于 { $k } 人：其结果不在聊天中显示，图中并入灰色“暂不公开”部分
rp-note_hidden = — 评分人数少于 { $k } 人：总分暂不显示，排名只在已显示的部门之间计算
rp-truncated = ……消息过长已截断，完整结果见文件。
rp-doc_admin = 📎 完整报表，含个人评分。仅限管理员，请勿转发。
rp-note_staff = 🔒 非管理员视图：保密评议组只计已提交的评分表，每满 { $k } 份计入一次；尚未计入的评分不进总分。
rp-doc_staff = 📎 报表（非管理员视图：不含个人评分及最高最低分；保密评议组每满 { $k } 份已提交评分表计入一次）。
rp-chart = 📈 各部门排名，按项目折合分堆叠。灰色为暂不公开的分项合计；* 为数据不完整。
rp-no_font = ⚠️ 排名图需要中文字体，服务器上尚未安装（例如 fonts-wqy-microhei），本次未生成图表。
