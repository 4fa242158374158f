"""The learning path page, readable: per module, lessons that share the same reasons under one reason block,
optional lessons folded away."""
from __future__ import annotations

import json


def _key(item: dict) -> str:
    return json.dumps([item["status"], item["reasons"]], sort_keys=True, ensure_ascii=False, default=str)


def grouped_path(rows: list[dict]) -> list[dict]:
    """Per module: {module, groups, optional, optional_count}; groups are [{status, reasons, lessons}] in the
    order of their first lesson; optional lessons form their own groups (shown folded)."""
    out = []
    for row in rows:
        groups: dict[str, dict] = {}
        for item in row["lessons"]:
            group = groups.setdefault(_key(item), {"status": item["status"], "reasons": item["reasons"],
                                                   "lessons": []})
            group["lessons"].append(item)
        listed = [g for g in groups.values() if g["status"] != "optional"]
        optional = [g for g in groups.values() if g["status"] == "optional"]
        out.append({"module": row["module"], "groups": listed, "optional": optional,
                    "optional_count": sum(len(g["lessons"]) for g in optional)})
    return out
