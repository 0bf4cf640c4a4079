"""``fields`` projection and ``where``/``post_filter`` predicates over canonical rows.

Unknown keys and operators fail fast with a message that lists what is allowed.
A filter is a dict: ``{"field": value}`` (eq), ``{"field": [a, b]}`` (in) or
``{"field": {"gte": 10, "lte": 100}}`` with operators from ``WHERE_OPS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from agent.tools.code_mode.contracts import WHERE_OPS


class HelperInputError(ValueError):
    """A script passed an argument the helper contract does not allow (no upstream call is made)."""


Predicate = tuple[str, str, Any]


def check_fields(fields: Any, allowed: Sequence[str]) -> list[str] | None:
    if fields is None:
        return None
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, (list, tuple)) or not all(isinstance(f, str) for f in fields):
        raise HelperInputError("fields must be a list of canonical field names")
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise HelperInputError(f"Unknown fields {unknown}. Allowed fields: {list(allowed)}")
    return list(dict.fromkeys(fields))


def compile_where(where: Any, allowed: Sequence[str], *, name: str = "where") -> list[Predicate]:
    if where is None:
        return []
    if not isinstance(where, dict):
        raise HelperInputError(f"{name} must be a dict like {{'likes': {{'gte': 10}}}}")
    predicates: list[Predicate] = []
    for key, spec in where.items():
        if key not in allowed:
            raise HelperInputError(f"Unknown {name} field '{key}'. Allowed fields: {list(allowed)}")
        if isinstance(spec, dict):
            if not spec:
                raise HelperInputError(f"{name}['{key}'] has no operator; use one of {list(WHERE_OPS)}")
            for op, value in spec.items():
                if op not in WHERE_OPS:
                    raise HelperInputError(f"Unknown {name} operator '{op}' for '{key}'. "
                                           f"Supported operators: {list(WHERE_OPS)}")
                if op == "in" and not isinstance(value, (list, tuple)):
                    raise HelperInputError(f"{name}['{key}']['in'] must be a list")
                if op in ("contains", "icontains") and not isinstance(value, str):
                    raise HelperInputError(f"{name}['{key}']['{op}'] must be a string")
                predicates.append((key, op, value))
        elif isinstance(spec, (list, tuple)):
            predicates.append((key, "in", list(spec)))
        else:
            predicates.append((key, "eq", spec))
    return predicates


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if actual is None:
        return False
    if op == "eq":
        return expected in actual if isinstance(actual, list) else actual == expected
    if op == "in":
        if isinstance(actual, list):
            return any(a in expected for a in actual)
        return actual in expected
    if op == "contains":
        return expected in actual if isinstance(actual, (str, list)) else False
    if op == "icontains":
        needle = expected.lower()
        if isinstance(actual, list):
            return any(isinstance(a, str) and needle in a.lower() for a in actual)
        return isinstance(actual, str) and needle in actual.lower()
    # gte / lte: numbers compare as numbers; ISO timestamps compare as strings (same format on both sides).
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return actual >= expected if op == "gte" else actual <= expected
    if isinstance(actual, str) and isinstance(expected, str):
        return actual >= expected if op == "gte" else actual[: len(expected)] <= expected
    return False


def row_matches(row: dict[str, Any], predicates: Iterable[Predicate]) -> bool:
    return all(_compare(row.get(field), op, value) for field, op, value in predicates)


def apply_where(rows: list[dict[str, Any]], predicates: list[Predicate]) -> list[dict[str, Any]]:
    return [row for row in rows if row_matches(row, predicates)] if predicates else rows


def project(rows: list[dict[str, Any]], fields: list[str] | None) -> list[dict[str, Any]]:
    if fields is None:
        return rows
    return [{f: row.get(f) for f in fields} for row in rows]
