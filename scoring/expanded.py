"""`kaoping check --json`: the campaign as DESIGN.md's contract shape."""

from __future__ import annotations

from typing import Any

from scoring.assignments import expand, owing_departments
from scoring.campaign import Campaign


def expanded_json(c: Campaign) -> dict[str, Any]:
    return {
        "campaign": {"key": c.key, "title": c.title, "timezone": c.timezone},
        "parts": [
            {
                "key": p.key,
                "name": p.name,
                "groups": [
                    {
                        "key": g.key,
                        "name": g.name,
                        "weight": g.weight,
                        "method": g.method.value,
                        "min_raters": g.min_raters,
                        "milestone": g.milestone,
                        "requires_approval": g.requires_approval,
                        "informs": g.informs,
                    }
                    for g in p.groups
                ],
            }
            for p in c.parts
        ],
        "profiles": {name: ({} if w == "external" else dict(w)) for name, w in c.profiles.items()},
        "departments": [
            {"key": d.key, "name": d.name, "sector": d.sector, "profile": d.profile} for d in c.departments
        ],
        "raters": [{"key": r.key, "name": r.name, "groups": [m.group for m in r.memberships()]} for r in c.raters],
        "materials": [
            {
                "key": m.key,
                "name": m.name,
                "milestone": m.milestone,
                "shown_to": list(m.shown_to),
                "departments": owing_departments(c, m.key),
            }
            for m in c.materials
        ],
        "assignments": [{"rater": a.rater, "group": a.group, "department": a.department} for a in expand(c)],
    }
