"""Thinking models end to end: reasoning kept and sent back per model policy (the emulator's Kimi refuses a
tool-call history without it, as the real one does), shown as reasoning items, bounded, billed and redacted."""

from __future__ import annotations

import httpx
import openai
import pytest
from pydantic import TypeAdapter

from agent.models import ReasoningItem, ReasoningText, ResponseObject
from mcp_server.snapshots import REASONING_PREVIEW_CHARS, render_snapshot
from tests.conftest import ALICE, make_settings, run_server
from tests.integration.helpers import all_events, chat_requests, create, nonce, settle, uscript
from tests.process import server_env, start_server_process

KIMI = "moonshotai/Kimi-K2.6:novita"
GPT_OSS = "openai/gpt-oss-120b:cerebras"
MISSING = "reasoning_content is missing in assistant tool call message"
TOOL_STEPS = ({"think": "First I look the model up.", "call": "hub_repo_details",
               "arguments": {"repo_id": "BAAI/bge-m3"}},
              {"think": "Now a search.", "call": "hub_search", "arguments": {"search": "bge", "limit": 2}},
              {"think": "I have enough.", "say": "Use BAAI/bge-m3."})


def assistant_messages(request: dict) -> list[dict]:
    return [m for m in request["json"]["messages"] if m["role"] == "assistant"]


def test_a_multi_step_tool_turn_with_the_default_model_sends_its_reasoning_back(alice, emulator):
    body = create(alice, uscript(*TOOL_STEPS))
    assert body["status"] == "completed", body
    assert body["model"] == KIMI and body["output_text"] == "Use BAAI/bge-m3."
    thoughts = [i["content"][0]["text"] for i in body["output"] if i["type"] == "reasoning"]
    assert thoughts == ["First I look the model up.", "Now a search.", "I have enough."]
    first, second, third = chat_requests(emulator, body["session_id"])
    # Each tool-call message goes back with the reasoning that produced it (Kimi answers 400 otherwise).
    assert [m["reasoning_content"] for m in assistant_messages(second)] == ["First I look the model up."]
    assert [m["reasoning_content"] for m in assistant_messages(third)] == ["First I look the model up.",
                                                                          "Now a search."]
    assert "reasoning_effort" not in first["json"]  # Kimi takes no effort parameter


@pytest.fixture(scope="module")
def dropping_server(emulator, tmp_path_factory):
    """A server told to drop Kimi's reasoning: what the loop did before reasoning was kept."""
    path = tmp_path_factory.mktemp("dropping") / "db.sqlite"
    settings = make_settings(emulator, f"sqlite:///{path}", reasoning_replay={"moonshotai/Kimi-K2": "never"})
    with run_server(settings, path) as handle:
        yield handle


def test_without_its_reasoning_the_same_turn_is_refused(dropping_server, emulator):
    with dropping_server.client(ALICE) as client:
        body = create(client, uscript(*TOOL_STEPS))
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["type"]) == ("invalid_prompt", "model_request_invalid")
    assert MISSING in body["error"]["message"] and "index 2" in body["error"]["message"]
    refused = chat_requests(emulator, body["session_id"])[-1]
    assert "reasoning_content" not in assistant_messages(refused)[0]


def test_reasoning_items_and_events_validate_against_the_openai_sdk(alice):
    body = create(alice, uscript({"think": "Plan: answer briefly.", "say": f"Brief {nonce()}."}))
    response = openai.types.responses.Response.model_validate(body)
    reasoning, message = response.output
    assert isinstance(reasoning, openai.types.responses.ResponseReasoningItem)
    assert reasoning.content[0].text == "Plan: answer briefly." and reasoning.summary == []
    assert response.usage.output_tokens_details.reasoning_tokens > 0

    adapter = TypeAdapter(openai.types.responses.ResponseStreamEvent)
    events = all_events(alice, body["id"])
    typed = [adapter.validate_python(e) for e in events if not e["type"].startswith(
        ("response.llm_call", "response.tool_log", "response.action_cost", "response.plan", "response.artifact"))]
    kinds = [e.type for e in typed if getattr(e, "item_id", None) == reasoning.id
             or getattr(getattr(e, "item", None), "id", None) == reasoning.id]
    kinds = [kind for i, kind in enumerate(kinds) if i == 0 or kind != kinds[i - 1]]  # one entry per delta run
    assert kinds == ["response.output_item.added", "response.content_part.added", "response.reasoning_text.delta",
                     "response.reasoning_text.done", "response.content_part.done", "response.output_item.done"]
    deltas = [e for e in typed if isinstance(e, openai.types.responses.ResponseReasoningTextDeltaEvent)]
    assert "".join(d.delta for d in deltas) == "Plan: answer briefly."
    [done] = [e for e in typed if isinstance(e, openai.types.responses.ResponseReasoningTextDoneEvent)]
    assert done.text == "Plan: answer briefly." and done.output_index == 0
    # The reasoning item comes before the message it led to.
    assert [e.output_index for e in typed if e.type == "response.output_item.added"] == [0, 1]


def test_the_caller_can_turn_reasoning_off_and_it_is_still_sent_back_and_billed(alice, emulator):
    body = create(alice, uscript(*TOOL_STEPS), reasoning={"content": "omit"})
    assert body["status"] == "completed", body
    assert [i["type"] for i in body["output"]] == ["mcp_call", "mcp_call", "message"]
    assert not [e for e in all_events(alice, body["id"]) if "reasoning" in e["type"]]
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert body["reasoning"]["content"] == "omit"
    last = chat_requests(emulator, body["session_id"])[-1]
    assert [m["reasoning_content"] for m in assistant_messages(last)] == ["First I look the model up.",
                                                                         "Now a search."]


def test_gpt_oss_gets_effort_and_only_the_current_turns_reasoning(alice, emulator):
    first = create(alice, uscript({"think": "old thought", "call": "hub_search", "arguments": {"search": "x"}},
                                  {"think": "old answer thought", "say": "one"}),
                   model=GPT_OSS, reasoning={"effort": "high"})
    assert first["status"] == "completed", first
    assert first["reasoning"]["effort"] == "high"
    second = create(alice, uscript({"think": "new thought", "call": "hub_search", "arguments": {"search": "y"}},
                                   {"say": "two"}), previous_response_id=first["id"], reasoning={"effort": "low"})
    assert second["status"] == "completed", second
    requests = chat_requests(emulator, first["session_id"])
    assert [r["json"].get("reasoning_effort") for r in requests] == ["high", "high", "low", "low"]
    # gpt-oss reads its reasoning under `reasoning`, and only the current turn's.
    last = assistant_messages(requests[-1])
    assert [m.get("reasoning") for m in last] == [None, None, "new thought"]
    assert all("reasoning_content" not in m for m in last)


def test_a_chained_turn_after_a_restart_replays_reasoning_per_policy(emulator, tmp_path):
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite")
    first_server = start_server_process(env, tmp_path / "first.log")
    try:
        with httpx.Client(base_url=first_server.url, headers={"authorization": f"Bearer {ALICE}"},
                          timeout=30) as client:
            first = settle(client, create(client, uscript(*TOOL_STEPS), background=True)["id"])
        assert first["status"] == "completed", first["error"]
    finally:
        first_server.kill()
    second_server = start_server_process(env, tmp_path / "second.log")
    try:
        with httpx.Client(base_url=second_server.url, headers={"authorization": f"Bearer {ALICE}"},
                          timeout=30) as client:
            second = create(client, uscript({"think": "Again.", "call": "hub_search", "arguments": {"search": "z"}},
                                            {"say": "Done again."}), previous_response_id=first["id"])
        assert second["status"] == "completed", second
    finally:
        second_server.stop()
    last = assistant_messages(chat_requests(emulator, first["session_id"])[-1])
    # Kimi: every tool-call message keeps its reasoning, restored from the store; final answers go without.
    assert [(bool(m.get("tool_calls")), m.get("reasoning_content")) for m in last] == [
        (True, "First I look the model up."), (True, "Now a search."), (False, None), (True, "Again.")]


def test_a_model_that_thinks_away_its_budget_is_retried_with_a_larger_one(alice):
    body = create(alice, uscript({"think": "long deliberation", "think_tokens": 6000, "say": f"Found {nonce()}."}))
    assert body["status"] == "completed", body
    calls = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    assert [(c["finish_reason"], c.get("max_tokens"), c.get("will_retry")) for c in calls] == [
        ("length", None, True), ("stop", 8192, None)]
    # The provider's default budget (4096) went on thinking, and that call is billed too.
    assert calls[0]["reasoning_tokens"] == calls[0]["output_tokens"] == 4096
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 4096 + 6000
    assert [(i["type"], i["status"]) for i in body["output"]] == [
        ("reasoning", "incomplete"), ("reasoning", "completed"), ("message", "completed")]


def test_a_model_that_never_stops_thinking_fails_the_step_with_a_clear_error(alice):
    body = create(alice, uscript({"think": "endless", "think_tokens": 1_000_000, "say": "never"}))
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["type"]) == ("server_error", "reasoning_budget_exhausted")
    assert "no answer" in body["error"]["message"]
    calls = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    assert [c.get("max_tokens") for c in calls] == [None, 8192, 16384]
    assert [c["will_retry"] for c in calls] == [True, True, False]
    assert body["output_text"] == ""


def test_reasoning_tokens_are_billed_as_output_at_the_routers_price(alice, emulator):
    listing = httpx.get(f"{emulator.router_url}/models").json()["data"]
    kimi = next(e for e in listing if e["id"] == KIMI.split(":")[0])
    pricing = next(p for p in kimi["providers"] if p["provider"] == "novita")["pricing"]
    body = create(alice, uscript({"think": "a costly thought", "think_tokens": 3000, "say": f"Paid {nonce()}."}))
    [call] = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    assert call["reasoning_tokens"] == 3000 and call["output_tokens"] > 3000
    expected = round((call["input_tokens"] * pricing["input"] + call["output_tokens"] * pricing["output"]) / 1e6, 6)
    assert call["cost_usd"] == expected == body["usage"]["cost_usd"]
    assert body["usage"]["output_tokens"] == call["output_tokens"]


def test_reasoning_is_redacted_like_every_other_text(alice, emulator):
    leaked = "hf_" + "Q" * 34
    body = create(alice, uscript({"think": f"The user's key might be {leaked} but I must not say it.",
                                  "call": "hub_search", "arguments": {"search": "x"}}, {"say": "ok"}))
    assert body["status"] == "completed", body
    thought = body["output"][0]["content"][0]["text"]
    assert leaked not in thought and "[REDACTED]" in thought
    deltas = "".join(e["delta"] for e in all_events(alice, body["id"]) if e["type"] == "response.reasoning_text.delta")
    assert leaked not in deltas and "[REDACTED]" in deltas
    # The stored transcript, which later turns replay, holds it redacted too.
    follow = create(alice, "Go on.", previous_response_id=body["id"])
    assert follow["status"] == "completed", follow
    replayed = assistant_messages(chat_requests(emulator, body["session_id"])[-1])[0]["reasoning_content"]
    assert leaked not in replayed and "[REDACTED]" in replayed


@pytest.mark.parametrize("field", ["reasoning", "reasoning_details"])
def test_reasoning_in_other_delta_fields_is_shown(alice, field):
    body = create(alice, uscript({"think": f"Thinking via {field}.", "think_field": field, "say": "Done."}))
    assert body["output"][0]["type"] == "reasoning"
    assert body["output"][0]["content"][0]["text"] == f"Thinking via {field}."


def test_a_provider_failing_mid_stream_is_retried(alice):
    answer = f"Second time lucky {nonce()} with a longer answer."
    body = create(alice, uscript({"stream_error": 500, "times": 1}, {"say": answer, "chunks": 4}))
    assert body["status"] == "completed", body
    events = all_events(alice, body["id"])
    calls = [e for e in events if e["type"] == "response.llm_call"]
    assert [(c["status"], c.get("error_code")) for c in calls] == [("error", "model_provider_error"), ("ok", None)]
    # The failed attempt's half answer was closed as incomplete and discarded: only the retry's is in the output.
    discarded = [e["item_id"] for e in events if e["type"] == "response.output_item.discarded"]
    assert len(discarded) == 2  # its reasoning and its message
    assert [(m["type"], m["status"]) for m in body["output"]] == [("reasoning", "completed"), ("message", "completed")]
    assert body["output_text"] == answer


def test_mcp_snapshots_carry_a_short_summary_of_the_reasoning():
    long_thought = "weighing options " * 60
    state = ResponseObject(id="resp_" + "0" * 32, model=KIMI, session_id="sess_x", status="completed", output=[
        ReasoningItem(id="rs_1", status="completed", content=[ReasoningText(text="first thought")]),
        ReasoningItem(id="rs_2", status="completed", content=[ReasoningText(text=long_thought)])])
    snapshot = render_snapshot(state, 7)
    assert snapshot.reasoning_summary.startswith("weighing options")
    assert len(snapshot.reasoning_summary) == REASONING_PREVIEW_CHARS
    assert render_snapshot(state.model_copy(update={"output": []}), 7).reasoning_summary is None
