"""`python -m dialogs export`: the questionnaire in the contract's JSON shape (plus additive
fields: `when`, `bands`, `unit`, `min`, `max`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from dialogs.conditions import Condition
from dialogs.kinds import QuestionKind
from dialogs.questions import Question, Texts
from rules.i18n import LANGS


def _local(text: Mapping[str, str]) -> dict[str, str]:
    return {lang: text[lang] for lang in LANGS}


def export_questions(
    questions: Iterable[Question],
    kinds: Mapping[str, QuestionKind],
    conditions: Mapping[str, Condition],
    texts: Texts,
) -> dict[str, Any]:
    out = []
    for q in questions:
        if q.kind == "multi":
            item: dict[str, Any] = {
                "id": q.id,
                "kind": "multi",
                "prompt": _local(q.prompt),
                "options": [
                    {"field": o.field, "value": o.value, "label": _local(o.label)}
                    for o in q.checklist
                ],
                "done": {"label": {lang: texts.get("checklist_done", lang) for lang in LANGS}},
            }
            if q.id in conditions:
                item["when"] = q.when
            out.append(item)
            continue
        item = {
            "id": q.id,
            "field": q.field,
            "kind": q.kind,
            "prompt": _local(q.prompt),
            "options": [{"value": o.value, "label": _local(o.label)} for o in kinds[q.id].options],
        }
        if q.id in conditions:
            item["when"] = q.when
        if q.bands:
            item["bands"] = [{"id": b.id, "min": b.min, "label": _local(b.label)} for b in q.bands]
        if q.kind == "number":
            item["unit"] = q.unit
            item["min"] = q.min
            item["max"] = q.max
        out.append(item)
    return {"questions": out}


def export_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2)
