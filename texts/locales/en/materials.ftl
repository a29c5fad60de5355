# en: texts converted from texts.materials by tools/texts_to_ftl.py

mat-title = <b>{ $dept } · materials</b>
mat-kind = 📎 <b>{ $kind }</b> (due { $due }, { $left })
mat-kind_none = {"    "}not handed in yet
mat-file = {"    "}· { $name } ({ $size })
mat-unfiled = ❔ Files not yet filed:
mat-how = Send the files in this chat to hand them in: PDF, Word (.docx), Excel (.xlsx) or photos, up to { $mb } MB each, as many as needed. Until the deadline you can withdraw and resend.
mat-which = Which materials is “{ $name }”?
mat-received = ✅ Received “{ $name }” ({ $size }).
mat-again = “{ $name }” was received already; no need to send it again.
mat-type = “{ $name }” cannot be handed in: send a PDF, Word (.docx) or Excel (.xlsx) file, or a photo.
mat-too_big = “{ $name }” is larger than { $mb } MB; compress or split it and send again.
mat-too_many = A department keeps at most { $n } files: withdraw the ones no longer needed first (/materials).
mat-closed = Materials are closed ({ $due }); nothing can be handed in or withdrawn. Ask the supervision office.
mat-none_owed = Your department has no materials to hand in.
btn-mat_file = File as: { $kind }
btn-mat_withdraw = 🗑 Withdraw { $name }
btn-mat_view = 📎 Materials ({ $n })
ack-mat_filed = Filed as “{ $kind }”
ack-mat_withdrawn = Withdrew “{ $name }”
ack-mat_sending = Sending { $n ->
        [one] 1 file
       *[other] { $n } files
    }
ack-mat_none = This department has not handed in materials yet
card-materials = 📎 Materials: { $n ->
        [one] 1 file
       *[other] { $n } files
    }
card-materials_none = 📎 Materials: not handed in yet
card-informing = 📝 { $group }: { $value }
card-informing_open = 📝 { $group }: not submitted yet
mat-caption = { $dept } · { $kind } · { $name }
home-mat = 📎 <b>Materials</b>: { $kinds }
home-mat_kind = { $mark } { $kind } ({ $n ->
        [one] 1 file
       *[other] { $n } files
    })
home-mat_sep = ;{" "}
btn-mat_hand_in = 📎 Hand in materials
status-mat_title = 📎 <b>Materials missing</b>
status-mat_kind = { $kind } (due { $due }): { $n ->
        [one] 1 department
       *[other] { $n } departments
    } missing
status-mat_all = 📎 Every department has handed in its materials.
status-mat_more = {" "}and { $n } more
remind-mat = 📎 { $kind }: not handed in yet — send the files in this chat (/materials to see them)
digest-mat =
    {""}
    📎 <b>{ $kind }</b>: { $n ->
        [one] 1 department has
       *[other] { $n } departments have
    } not handed in
digest-mat_dept = • { $name }
