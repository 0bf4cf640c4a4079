"""The scripted model's faults, on the wire: what a client of the emulated router receives for each one."""

from __future__ import annotations

import json

import httpx
import pytest

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # a model that does not think: the text chunks come first


def script(*steps) -> str:
    return "Please do the thing.\n```emulator-script\n" + json.dumps(list(steps)) + "\n```"


def post(emulator, *steps, stream: bool = True) -> httpx.Response:
    body = {"model": LLAMA, "stream": stream, "messages": [{"role": "user", "content": script(*steps)}]}
    return httpx.post(f"{emulator.router_url}/chat/completions", json=body, timeout=10,
                      headers={"authorization": "Bearer hf_emu_alice"})


def data_lines(reply: httpx.Response) -> list[str]:
    return [line[len("data: "):] for line in reply.text.splitlines() if line.startswith("data: ")]


def texts(lines: list[str]) -> list[str]:
    chunks = [json.loads(line) for line in lines if line != "[DONE]"]
    return [c["choices"][0]["delta"]["content"] for c in chunks
            if c["choices"] and c["choices"][0]["delta"].get("content")]


ANSWER = {"say": "abcdefghij", "chunks": 5}


def test_drop_closes_the_connection_mid_body_then_the_retry_plays(emulator):
    with pytest.raises(httpx.RemoteProtocolError):
        post(emulator, {"fault": "drop", "after_chunks": 2}, ANSWER)
    lines = data_lines(post(emulator, {"fault": "drop", "after_chunks": 2}, ANSWER))
    assert texts(lines) == ["ab", "cd", "ef", "gh", "ij"] and lines[-1] == "[DONE]"


def test_unfinished_ends_cleanly_without_finish_reason_or_done(emulator):
    reply = post(emulator, {"fault": "unfinished", "after_chunks": 2}, ANSWER)
    lines = data_lines(reply)
    assert reply.status_code == 200 and texts(lines) == ["ab", "cd"]
    assert "[DONE]" not in lines
    assert all(json.loads(line)["choices"][0]["finish_reason"] is None for line in lines)


def test_malformed_chunk_loses_one_chunk_and_the_rest_follows(emulator):
    lines = data_lines(post(emulator, {"fault": "malformed_chunk", "after_chunks": 2}, ANSWER))
    broken = [line for line in lines if line != "[DONE]" and not _parses(line)]
    assert len(broken) == 1
    assert texts([line for line in lines if line not in broken]) == ["ab", "cd", "gh", "ij"]
    assert lines[-1] == "[DONE]"


def test_bad_shape_chunk_is_json_but_not_a_chunk(emulator):
    lines = data_lines(post(emulator, {"fault": "bad_shape_chunk", "after_chunks": 1}, ANSWER))
    assert json.loads(lines[2])["choices"][0]["delta"]["content"] == 42
    assert lines[-1] == "[DONE]"


@pytest.mark.parametrize("kind, content_type, body", [("html", "text/html", b"<html>"),
                                                      ("empty", "text/event-stream", b"")])
def test_html_and_empty_are_200s_without_a_stream(emulator, kind, content_type, body):
    for stream in (True, False):
        reply = post(emulator, {"fault": kind, "times": 2}, ANSWER, stream=stream)
        assert reply.status_code == 200 and reply.headers["content-type"].startswith(content_type)
        assert reply.content.startswith(body) and (body or reply.content == b"")


def test_drop_in_arguments_resets_after_the_first_fragment(emulator):
    step = {"say": "Looking.", "call": "hub_search", "arguments": {"search": "whisper"}}
    received: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        body = {"model": LLAMA, "stream": True, "messages": [{"role": "user", "content": script(
            {"fault": "drop_in_arguments"}, step)}]}
        with httpx.stream("POST", f"{emulator.router_url}/chat/completions", json=body, timeout=10,
                          headers={"authorization": "Bearer hf_emu_alice"}) as reply:
            for piece in reply.iter_raw():
                received.append(piece)
    arguments = [json.loads(line[len("data: "):])["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                 for line in b"".join(received).decode().splitlines()
                 if line.startswith("data: ") and "tool_calls" in line]
    assert arguments[0] == "" and len(arguments) == 2 and not _parses(arguments[1])


def test_trickle_sends_small_pieces_of_the_whole_reply(emulator):
    body = {"model": LLAMA, "stream": True, "messages": [{"role": "user", "content": script(
        {"fault": "trickle", "piece_bytes": 9, "delay_ms": 1}, ANSWER)}]}
    with httpx.stream("POST", f"{emulator.router_url}/chat/completions", json=body, timeout=10,
                      headers={"authorization": "Bearer hf_emu_alice"}) as reply:
        pieces = list(reply.iter_raw())
    whole = b"".join(pieces).decode()
    lines = [line[len("data: "):] for line in whole.splitlines() if line.startswith("data: ")]
    assert len(pieces) > 2 * len(lines)  # frames arrive split over several reads (a read may join a few pieces)
    assert texts(lines) == ["ab", "cd", "ef", "gh", "ij"] and lines[-1] == "[DONE]"


@pytest.mark.parametrize("step, says", [({"fault": "nope"}, "fault must be one of"),
                                        ({"fault": "drop", "after_chunks": -1}, "after_chunks"),
                                        ({"fault": "trickle", "piece_bytes": 0}, "piece_bytes"),
                                        ({"fault": "drop", "when": 1}, "unknown fault keys")])
def test_an_invalid_fault_is_a_400(emulator, step, says):
    reply = post(emulator, step, ANSWER)
    assert reply.status_code == 400 and says in reply.json()["error"]["message"]


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True
