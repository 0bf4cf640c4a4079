"""The agent's plan: published on the response as it changes, followed live, validated like any tool input."""

from __future__ import annotations

import httpx

from tests.integration.helpers import all_events, create, settle, tool_error, uscript


def steps(*pairs: tuple[str, str]) -> dict:
    return {"steps": [{"title": title, "status": status} for title, status in pairs]}


def test_plan_updates_are_events_and_the_latest_is_on_the_response(alice: httpx.Client):
    first = steps(("Find candidate models", "in_progress"), ("Compare them", "pending"), ("Report", "pending"))
    second = steps(("Find candidate models", "completed"), ("Compare them", "in_progress"), ("Report", "pending"))
    invalid = steps(("Compare them", "in_progress"), ("Report", "in_progress"))
    body = settle(alice, create(alice, uscript(
        {"call": "plan", "arguments": first},
        {"call": "hub_search", "arguments": {"kind": "model", "search": "bge", "limit": 3}},
        {"call": "plan", "arguments": second},
        {"call": "plan", "arguments": invalid},
        {"say": "Here is the comparison."}))["id"])
    assert body["status"] == "completed", body
    assert body["plan"] == second["steps"]

    plan_items = [i for i in body["output"] if i["type"] == "mcp_call" and i["name"] == "plan"]
    assert [i["status"] for i in plan_items] == ["completed", "completed", "failed"]
    assert plan_items[0]["output"] == "Plan updated: 0/3 steps done. Now: Find candidate models. Next: Compare them."
    assert "at most one step may be in_progress" in tool_error(plan_items[2])

    updates = [e for e in all_events(alice, body["id"]) if e["type"] == "response.plan.updated"]
    assert [u["plan"] for u in updates] == [first["steps"], second["steps"]]  # the invalid plan changed nothing
    assert [u["item_id"] for u in updates] == [plan_items[0]["id"], plan_items[1]["id"]]
