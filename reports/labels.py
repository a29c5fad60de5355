"""Every header and label of the report renderings, in Simplified Chinese (default) and English, and `clip`,
which cuts a department's name to the width the chart and the chat's table give it."""

from __future__ import annotations

import unicodedata

NAME_COLUMNS = 24  # department names are cut to this width: 12 Chinese characters or 24 Latin letters

ZH: dict[str, str] = {
    "summary": "汇总",
    "group_detail": "评议组明细",
    "flags": "问题标记",
    "scores": "个人评分",
    "profile": "类别",
    "profile_title": "类别：{profile}",
    "rank": "排名",
    "key": "代码",
    "department": "部门",
    "sector": "所属口",
    "part": "考核项目",
    "group": "评议组",
    "method": "计分方法",
    "score": "得分",
    "points": "折合分",
    "weight": "权重",
    "part_score": "项目得分",
    "score_of": "{part}得分",
    "points_of": "{part}折合分",
    "adjustment": "加减分",
    "total": "总分",
    "external_result": "外部考核结果",
    "complete": "数据完整",
    "yes": "是",
    "no": "否",
    "flag": "标记",
    "concerns": "涉及",
    "n": "有效评分数",
    "expected": "应评数",
    "recused": "回避",
    "pending": "待审定",
    "late": "逾期录入",
    "min": "最低分",
    "max": "最高分",
    "stdev": "标准差",
    "rater": "评分人",
    "rater_key": "评分人代码",
    "value": "分值",
    "approved": "已审定",
    "comment": "意见",
    "reason": "回避理由",
    "source": "来源",
    "entered_by": "录入人",
    "at": "录入时间",
    "source.bot": "本人（机器人）",
    "source.proxy": "代录",
    "source.import": "导入",
    "legend": "* 数据不完整（见问题标记）  + 含逾期录入  ! 加减分合计超过上限，按上限计",
    "adjustment_clamped": "加减分封顶",
    "adjustment_items": "加减分明细",
    "id": "编号",
    "adjustment_reason": "理由",
    "audit": "审计日志",
    "audit.at": "时间",
    "audit.actor": "操作人",
    "audit.action": "操作",
    "audit.subject": "对象",
    "audit.old": "原值",
    "audit.new": "新值",
    "audit.hash": "链哈希",
    "caption": "{title}（{code}） · 生成时间：{made} · {state}",
    "caption_undated": "{title}（{code}）",
    "state.provisional": "暂定结果（尚有评分未截止、未提交或缺项）",
    "state.final": "最终结果",
    "admin_only": "含个人评分——仅限管理员",
    "staff_view": "非管理员视图：保密评议组只计已提交的评分表，每满 {k} 份计入一次；个人评分、最高最低分不显示（—）",
    "flag.missing_group": "评议组缺分",
    "flag.missing_part": "项目缺分（计0分）",
    "flag.pending_approval": "待审定",
    "flag.incomplete": "未评完",
    "flag.late": "逾期录入",
    "flag.missing_external": "缺外部考核结果",
    "flag.withheld": "保密：部分评分暂不计入",
    "method.mean": "平均",
    "method.median": "中位数",
    "method.trimmed_mean": "去掉最高最低分后平均",
    "profile.standard": "一般部门",
    "profile.vertical": "垂直管理部门",
    "profile.external": "外部考核",
    "profile.financial": "金融机构",
    "profile.restructured": "改制单位",
}

EN: dict[str, str] = {
    "summary": "Summary",
    "group_detail": "Group detail",
    "flags": "Flags",
    "scores": "Scores",
    "profile": "Profile",
    "profile_title": "Profile: {profile}",
    "rank": "Rank",
    "key": "Key",
    "department": "Department",
    "sector": "Sector",
    "part": "Part",
    "group": "Group",
    "method": "Method",
    "score": "Score",
    "points": "Points",
    "weight": "Weight",
    "part_score": "Part score",
    "score_of": "{part} score",
    "points_of": "{part} points",
    "adjustment": "Adjustment",
    "total": "Total",
    "external_result": "External result",
    "complete": "Complete",
    "yes": "yes",
    "no": "no",
    "flag": "Flag",
    "concerns": "Concerns",
    "n": "Scored",
    "expected": "Expected",
    "recused": "Recused",
    "pending": "Pending approval",
    "late": "Late",
    "min": "Min",
    "max": "Max",
    "stdev": "Std dev",
    "rater": "Rater",
    "rater_key": "Rater key",
    "value": "Value",
    "approved": "Approved",
    "comment": "Comment",
    "reason": "Recusal reason",
    "source": "Source",
    "entered_by": "Entered by",
    "at": "Time",
    "source.bot": "rater (bot)",
    "source.proxy": "proxy",
    "source.import": "import",
    "legend": "* incomplete (see the flags)  + late entries  ! adjustments past the cap, counted at the cap",
    "adjustment_clamped": "Adjustment capped",
    "adjustment_items": "Adjustments",
    "id": "Id",
    "adjustment_reason": "Reason",
    "audit": "Audit log",
    "audit.at": "Time",
    "audit.actor": "Actor",
    "audit.action": "Action",
    "audit.subject": "Subject",
    "audit.old": "Old",
    "audit.new": "New",
    "audit.hash": "Chain hash",
    "caption": "{title} ({code}) · made {made} · {state}",
    "caption_undated": "{title} ({code})",
    "state.provisional": "provisional (a milestone is open, or sheets or results are missing)",
    "state.final": "final",
    "admin_only": "contains individual scores — admin only",
    "staff_view": ("non-admin view: confidential groups count handed-in sheets only, in blocks of {k}; "
                   "individual scores, minimum and maximum withheld (—)"),
    "flag.missing_group": "group missing",
    "flag.missing_part": "part missing (0 points)",
    "flag.pending_approval": "pending approval",
    "flag.incomplete": "incomplete",
    "flag.late": "late entries",
    "flag.missing_external": "external result missing",
    "flag.withheld": "confidential: some scores not counted yet",
    "method.mean": "mean",
    "method.median": "median",
    "method.trimmed_mean": "trimmed mean",
    "profile.standard": "standard",
    "profile.vertical": "vertically managed",
    "profile.external": "external",
    "profile.financial": "financial institutions",
    "profile.restructured": "restructured",
}

LABELS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def label(lang: str, key: str, **values: object) -> str:
    """A label in `lang` (Chinese when the language is unknown); `{name}` fields filled from values."""
    table = LABELS.get(lang, ZH)
    template = table.get(key, ZH[key])
    return template.format(**values) if values else template


def profile_label(lang: str, profile: str) -> str:
    """The usual name of a profile; its key when it has none."""
    return LABELS.get(lang, ZH).get(f"profile.{profile}", profile)


def clip(text: str, columns: int = NAME_COLUMNS) -> str:
    """`text` cut to `columns` display columns (a Chinese character takes two), with '…' when cut; a
    Latin name is cut at a word boundary ("Government Offices…", not "Government Offices Admi…")."""
    widths = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text]
    if sum(widths) <= columns:
        return text
    used, end = 0, 0
    while end < len(text) and used + widths[end] <= columns - 1:
        used += widths[end]
        end += 1
    if not text[end].isspace() and " " in text[:end]:
        word = text.rindex(" ", 0, end)
        if word >= end // 2:
            end = word
    return text[:end].rstrip(" ,;:·-") + "…"
