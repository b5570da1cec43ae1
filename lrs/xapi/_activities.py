"""The canonical Activity definition the LRS keeps per activity id (Data 2.4.4.1, 3.2).

Each statement that carries a definition updates it: language maps (name, description, and the
description of each interaction component, matched by component id) gain the new languages and
new texts, every other property present in the newer definition replaces the stored one, and
properties the newer definition omits are kept.
"""

from __future__ import annotations

from typing import Any

from lrs.xapi._models import COMPONENT_LISTS

_LANGUAGE_MAPS = ("name", "description")


def merge_activity_definition(existing: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The canonical definition after seeing `new`; neither argument is modified."""
    if not existing:
        return dict(new)
    merged = dict(existing)
    for key, value in new.items():
        if key in _LANGUAGE_MAPS:
            merged[key] = _merge_maps(existing.get(key), value)
        elif key in COMPONENT_LISTS:
            merged[key] = _merge_components(existing.get(key), value)
        else:
            merged[key] = value
    return merged


def _merge_maps(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **new}
    return new


def _merge_components(old: Any, new: Any) -> Any:
    if not isinstance(old, list) or not isinstance(new, list):
        return new
    previous = {item.get("id"): item for item in old if isinstance(item, dict)}
    return [_merge_component(previous, item) for item in new]


def _merge_component(previous: dict[Any, dict[str, Any]], item: Any) -> Any:
    before = previous.get(item.get("id")) if isinstance(item, dict) else None
    if before is None or "description" not in before:
        return item
    if "description" not in item:
        return {**item, "description": before["description"]}
    return {**item, "description": _merge_maps(before["description"], item["description"])}
