# zh: texts converted from texts.materials by tools/texts_to_ftl.py

mat-title = <b>{ $dept } · 上交材料</b>
mat-kind = 📎 <b>{ $kind }</b>（截止 { $due }，{ $left }）
mat-kind_none = {"    "}尚未上交
mat-file = {"    "}· { $name }（{ $size }）
mat-unfiled = ❔ 待归类的文件：
mat-how = 在本对话中直接发送文件即可上交：PDF、Word（.docx）、Excel（.xlsx）或照片，每个不超过 { $mb } MB，可发多个。截止前可撤回、重交。
mat-which = 请选择「{ $name }」属于哪份材料：
mat-received = ✅ 已收到「{ $name }」（{ $size }）。
mat-again = 「{ $name }」此前已收到，无需重复发送。
mat-type = 「{ $name }」不能作为材料上交：请发送 PDF、Word（.docx）、Excel（.xlsx）文件或照片。
mat-too_big = 「{ $name }」超过 { $mb } MB，请压缩或拆分后再发送。
mat-too_many = 每个部门最多保留 { $n } 个文件：请先撤回不需要的文件（/materials）。
mat-closed = 材料已截止（{ $due }），不能再上交或撤回。如需补交请联系督查室。
mat-none_owed = 您所在部门无需上交材料。
btn-mat_file = 归入：{ $kind }
btn-mat_withdraw = 🗑 撤回 { $name }
btn-mat_view = 📎 材料 ({ $n })
ack-mat_filed = 已归入「{ $kind }」
ack-mat_withdrawn = 已撤回「{ $name }」
ack-mat_sending = 正在发送 { $n } 个文件
ack-mat_none = 该部门尚未上交材料
card-materials = 📎 材料：{ $n } 个文件
card-materials_none = 📎 材料：尚未上交
card-informing = 📝 { $group }：{ $value }
card-informing_open = 📝 { $group }：尚未提交
mat-caption = { $dept } · { $kind } · { $name }
home-mat = 📎 <b>上交材料</b>：{ $kinds }
home-mat_kind = { $mark } { $kind }（{ $n } 个文件）
home-mat_sep = ；
btn-mat_hand_in = 📎 上交材料
status-mat_title = 📎 <b>未交材料</b>
status-mat_kind = { $kind }（截止 { $due }）：{ $n } 个部门未交
status-mat_all = 📎 所有部门均已上交材料。
status-mat_more = {" "}等另 { $n } 个部门
remind-mat = 📎 { $kind }：尚未上交 — 在本对话中发送文件即可（/materials 查看）
digest-mat =
    {""}
    📎 <b>{ $kind }</b>：{ $n } 个部门未交
digest-mat_dept = • { $name }
