"""The bounded research sub-agent: its own context and tools, progress as tool_log, spend charged as it happens,
its worst case gated by the budget."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import script
from tests.integration.helpers import all_events, create, emulator_requests, nonce, settle


def nested(*steps, prompt: str) -> str:
    """The sub-agent's task: it carries its own script (the scripted model reads the last user message)."""
    return f"{prompt}\n```emulator-script\n{json.dumps(list(steps))}\n```"


SUB_STEPS = (
    {"calls": [{"call": "hub_search", "arguments": {"kind": "model", "pipeline_tag": "sentence-similarity",
                                                    "limit": 3}},
               {"call": "paper_search", "arguments": {"query": "sparse autoencoders", "limit": 2}}]},
    {"call": "hub_repo_details", "arguments": {"repo_id": {"$from_tool": r'"id": "([^"]+)"'}}},
)


def test_research_sub_agent_reports_back_in_one_tool_result(alice: httpx.Client, emulator):
    report = f"Report {nonce()}: see the models and papers above."
    task = nested(*SUB_STEPS, {"say": report}, prompt="Survey embedding models and SAE papers.")
    body = settle(alice, create(alice, script({"call": "research", "arguments": {"task": task, "max_steps": 4}},
                                             {"say": "Summarised."}, prompt="Research for me."))["id"])
    assert body["status"] == "completed", body

    # The main conversation sees one research item whose output is the report.
    [item] = [i for i in body["output"] if i["type"] == "mcp_call"]
    assert item["name"] == "research" and item["status"] == "completed", item
    assert item["output"].startswith("Research report (3 steps, 3 tool calls):") and report in item["output"]

    events = all_events(alice, body["id"])
    logs = [e["text"] for e in events if e["type"] == "response.tool_log" and e["item_id"] == item["id"]]
    assert any(line.startswith("research step 1: hub_search(") and "paper_search(" in line for line in logs)
    assert any(line.startswith("research step 2: hub_repo_details(") for line in logs)

    # The sub-agent's model calls ran in its own context: system prompt + the task, not the main conversation.
    chats = [r["json"]["messages"] for r in emulator_requests(emulator)]
    sub = [m for m in chats if m[0]["content"].startswith("You are a research assistant")]
    assert len(sub) == 3 and all("Research for me." not in json.dumps(m) for m in sub)
    assert all(m[1]["content"] == task for m in sub)

    # Every model call is charged as it happened; the worst-case reservation is released, not charged.
    calls = [e for e in events if e["type"] == "response.llm_call" and e["status"] == "ok"]
    assert [c.get("subagent") for c in calls] == [None, "research", "research", "research", None]
    assert not [e for e in events if e["type"] == "response.action_cost"]
    assert body["usage"]["cost_usd"] == pytest.approx(round(sum(c["cost_usd"] for c in calls), 6), abs=1e-9)
    assert body["usage"]["input_tokens"] == sum(c["input_tokens"] for c in calls)


def test_step_bound_forces_a_report(alice: httpx.Client, emulator):
    """At its last step the sub-agent gets no tools and is told to write its report."""
    task = nested(*SUB_STEPS, {"say": "never played"}, prompt=f"Endless survey {nonce()}.")
    body = settle(alice, create(alice, script({"call": "research", "arguments": {"task": task, "max_steps": 2}},
                                             {"say": "ok"}, prompt="Bounded research."))["id"])
    [item] = [i for i in body["output"] if i["type"] == "mcp_call"]
    assert item["status"] == "completed" and item["output"].startswith("Research report (2 steps, 2 tool calls):")
    last = [r["json"] for r in emulator_requests(emulator)
            if r["json"]["messages"][0]["content"].startswith("You are a research assistant")][-1]
    assert "tools" not in last and last["messages"][-1]["content"].startswith("Your step budget is used up")


def test_worst_case_spend_is_gated_before_the_sub_agent_starts(alice: httpx.Client, emulator):
    task = nested({"say": "cheap answer"}, prompt=f"Tiny survey {nonce()}.")
    before = len(emulator_requests(emulator))
    created = create(alice, script({"call": "research", "arguments": {"task": task, "max_steps": 12}},
                                  {"say": "ok"}, prompt="Research on a shoestring."), max_cost_usd=0.02)
    body = settle(alice, created["id"])
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "approval_required"}
    [action] = body["pending_approval"]["actions"]
    assert action["tool"] == "research" and action["estimate_usd"] > 0.02
    # Only the main model call ran: the sub-agent did not start.
    assert len(emulator_requests(emulator)) == before + 1
