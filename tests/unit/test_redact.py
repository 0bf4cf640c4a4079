"""Token-shaped strings never reach storage, streams or logs; ordinary identifiers that start with hf_ survive."""

from __future__ import annotations

from agent.redact import REDACTED, _walk, redact, redact_text

TOKEN = "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567"  # hf_ + 34 chars, like a real user token


def test_user_tokens_are_redacted():
    assert len(TOKEN) == 37
    assert redact_text(f"token={TOKEN}") == f"token={REDACTED}"
    assert redact_text(f"{TOKEN} and {TOKEN}.") == f"{REDACTED} and {REDACTED}."
    assert redact_text(f'{{"token": "{TOKEN}"}}') == f'{{"token": "{REDACTED}"}}'
    assert redact_text("api_org_" + "x" * 34) == REDACTED


def test_hf_identifiers_are_untouched():
    text = ("pip install hf_transfer; from huggingface_hub import hf_hub_download; HF_HUB_ENABLE_HF_TRANSFER=1; "
            "hf_xet and hf_api")
    assert redact_text(text) == text


def test_bearer_credentials_are_redacted():
    assert redact_text("Authorization: Bearer abcdefgh12345") == f"Authorization: Bearer {REDACTED}"
    assert redact_text("authorization: bearer hf_emu_alice") == f"authorization: bearer {REDACTED}"


def test_literal_secrets_are_redacted_even_when_not_token_shaped():
    assert redact_text("use hf_emu_alice now", ("hf_emu_alice",)) == f"use {REDACTED} now"
    assert redact_text("nothing here", ("",)) == "nothing here"


def test_redact_walks_nested_values_and_keeps_other_types():
    value = {"a": [TOKEN, {"b": f"x {TOKEN}"}], "n": 3, "f": 1.5, "none": None, "ok": True, "s": "hf_transfer"}
    assert redact(value) == {"a": [REDACTED, {"b": f"x {REDACTED}"}], "n": 3, "f": 1.5, "none": None, "ok": True,
                             "s": "hf_transfer"}
    assert value["a"][0] == TOKEN  # the input is not modified


# ---------------------------------------------------------------- the writer redacts whatever it stores

async def test_writer_redacts_events_snapshot_and_transcript(store):
    from agent import events as ev
    from agent.bus import EventBus
    from agent.models import McpCallItem, MessageItem, OutputText
    from agent.writer import TurnWriter
    from tests.unit.conftest import new_response

    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5, transcript_length=1, secrets=("hf_emu_alice",))
    item = McpCallItem(id="mcp_1", name="hub_search", arguments='{"search": "hf_emu_alice"}')
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=item.model_dump())
    await writer.emit(ev.ITEM_DONE, output_index=0, item=item.model_copy(
        update={"status": "completed", "output": f"echo {TOKEN}"}).model_dump())
    message = MessageItem(id="msg_1")
    await writer.emit(ev.ITEM_ADDED, output_index=1, item=message.model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=1, content_index=0, part=OutputText().model_dump())
    # A token split across deltas: no single event holds it, and the stored projection is redacted as a whole.
    for delta in ("token hf_emu", "_alice here"):
        await writer.emit(ev.TEXT_DELTA, item_id="msg_1", output_index=1, content_index=0, delta=delta, logprobs=[])
    writer.add_transcript({"role": "assistant", "content": "I used hf_emu_alice", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "x", "arguments": f'{{"t": "{TOKEN}"}}'}}]})
    await writer.close()

    events = await store.events_after(row.id, -1)
    stored = (await store.get_response(row.id)).snapshot
    transcript = await store.transcript(row.id)
    everything = repr(events) + repr(stored) + repr(transcript)
    assert "hf_emu_alice" not in everything and TOKEN not in everything
    assert stored["output"][0]["arguments"] == '{"search": "[REDACTED]"}'
    assert stored["output"][0]["output"] == f"echo {REDACTED}"
    assert stored["output"][1]["content"][0]["text"] == f"token {REDACTED} here"
    assert transcript[-1]["content"] == f"I used {REDACTED}"


def test_stream_redactor_never_sends_a_token_split_across_deltas():
    from agent.redact import StreamRedactor, redact_text

    secret = "hf_emu_alice"
    text = f"use Bearer abcdefgh12345, then {secret} and {TOKEN}. Done: hf_transfer is fine"
    expected = redact_text(text, (secret,))
    assert secret not in expected and TOKEN not in expected and "hf_transfer" in expected
    fragments = {secret[i:i + 4] for i in range(len(secret) - 3)} | {TOKEN[i:i + 6] for i in range(len(TOKEN) - 5)}
    fragments |= {"abcdefgh"}
    for size in range(1, 12):
        redactor = StreamRedactor((secret,))
        pieces = [redactor.feed(text[i:i + size]) for i in range(0, len(text), size)] + [redactor.flush()]
        assert "".join(pieces) == expected, size
        for piece in pieces:
            assert not any(f in piece for f in fragments), (size, piece)


def test_stream_redactor_never_leaks_a_token_after_a_long_word_run():
    # The held-back tail used to be released once a word run passed 256 characters: a token right after a
    # 250-character run went out split across two deltas.
    from agent.redact import StreamRedactor

    for run in (250, 253, 255, 256, 257, 300, 1000):
        for glue in ("-", ".", "=", "_", "", " ", "\u00e9", "\u4ee4\u724c"):
            text = "x" * run + glue + TOKEN + " tail"
            for split in range(0, len(text) + 1, 3):
                redactor = StreamRedactor()
                sent = redactor.feed(text[:split]) + redactor.feed(text[split:]) + redactor.flush()
                assert TOKEN not in sent and sent == redact_text(text), (run, glue, split)


# ---------------------------------------------------------------- property: streaming == batch, never a token

SECRET = "hf_emu_alice"
ODD_SECRET = "s3cr3t-with.dots=and space"  # a caller's literal secret need not be token-shaped
SHAPES = (TOKEN, "api_org_" + "Zz9" * 12, "hf_" + "Q" * 30, SECRET, ODD_SECRET, "Bearer abcdefgh12345",
          "bearer\t\n xY-z.=_0123456789", "BEARER   " + "k" * 40, "authorization: Bearer " + TOKEN)
# What must never survive, wherever it stands (a bearer credential is whatever follows "Bearer ": its text may
# legitimately survive when "Bearer" itself was part of an earlier credential).
SECRETS_FOUND = (TOKEN, "Zz9Zz9Zz9", "Q" * 30, SECRET, ODD_SECRET)
RUN_CHARS = "abhpfxyzAB019_-.=r"
GLUES = ("", " ", "-", ".", "=", "_", "\n", "x", "h", "hf", "hf_", "api_", "b", "bearer ", "\u00e9", "\u4ee4",
         "[", "\\", "Bearer")


def random_text(rng, shapes: int) -> str:
    parts = []
    for _ in range(shapes):
        run = "".join(rng.choice(RUN_CHARS) for _ in range(rng.choice((0, 1, 5, 30, 250, 255, 256, 257, 300))))
        parts += [run, rng.choice(GLUES), rng.choice(SHAPES), rng.choice(GLUES)]
    parts.append("".join(rng.choice(RUN_CHARS + " ") for _ in range(rng.randint(0, 40))))
    return "".join(parts)


def random_split(rng, text: str) -> list[str]:
    cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 12))))
    if rng.random() < 0.3:  # token-sized deltas everywhere
        cuts = list(range(0, len(text), rng.randint(1, 6)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def test_stream_redactor_property_random_texts_and_splits():
    import random

    from agent.redact import StreamRedactor

    rng = random.Random(20_240_601)
    secrets = (SECRET, ODD_SECRET)
    for case in range(3000):
        text = random_text(rng, rng.randint(1, 3))
        expected = redact_text(text, secrets)
        assert not any(found in expected for found in SECRETS_FOUND), (case, expected)
        redactor = StreamRedactor(secrets)
        sent = [redactor.feed(delta) for delta in random_split(rng, text)] + [redactor.flush()]
        assert "".join(sent) == expected, (case, text)


def test_stream_redactor_every_split_point_of_every_shape():
    from agent.redact import StreamRedactor

    secrets = (SECRET, ODD_SECRET)
    for shape in SHAPES:
        for before in ("", "x" * 255 + "-", "run" * 90 + ".", "\u4ee4\u724c", "say "):
            text = before + shape + " after"
            expected = redact_text(text, secrets)
            for i in range(len(text) + 1):
                for j in range(i, min(len(text), i + 40) + 1, 7):
                    redactor = StreamRedactor(secrets)
                    sent = redactor.feed(text[:i]) + redactor.feed(text[i:j]) + redactor.feed(text[j:])
                    assert sent + redactor.flush() == expected, (shape, before[-5:], i, j)


def test_batch_redaction_is_not_fooled_by_neighbouring_letters():
    # Word boundaries used to decide: a token glued to a letter of another script or to an underscore survived.
    for text in (f"\u4ee4\u724c{TOKEN}\u662f", f"{TOKEN}_backup", f"x{TOKEN}", f"\u00e9{TOKEN}\u00e9", f"{TOKEN}9"):
        assert TOKEN[:12] not in redact_text(text), text


def test_stream_redactor_holds_little_and_stays_linear():
    from agent.redact import StreamRedactor

    # Ordinary prose is released as it comes (at most a few characters held).
    redactor = StreamRedactor((SECRET,))
    sent = "".join(redactor.feed(word + " ") for word in ("plain", "words", "flow", "out", "now"))
    assert sent == "plain words flow out now "
    # A credential or whitespace run that never ends costs linear time, not quadratic, and still comes out right.
    for text in ("Bearer " + "k" * 200_000, "hf_" + "A" * 200_000, "bearer" + "\n" * 200_000 + "abcdefgh123 x"):
        redactor = StreamRedactor()
        sent = "".join(redactor.feed(text[i:i + 2]) for i in range(0, len(text), 2)) + redactor.flush()
        assert sent == redact_text(text)


def test_structures_are_screened_as_json_without_missing_what_escapes_hide():
    """The whole-structure screen must find a token or a secret wherever JSON escaping puts it: right after an
    escaped newline, quote or backslash, deep in lists, in keys' values of any depth."""
    secret = "s3cr3t-value"
    for before in ("\n", "\"", "\\", "\t", "\u2028", " "):
        value = {"a": [{"b": f"x{before}{TOKEN}"}, 1, None, True], "c": {"d": f"{before}{secret}!"},
                 "e": f"Authorization: Bearer{before} abcdefgh12345"}
        out = redact(value, (secret,))
        assert TOKEN not in str(out) and secret not in str(out), before
        assert out["a"][0]["b"] == f"x{before}{REDACTED}"
        assert out["c"]["d"] == f"{before}{REDACTED}!"
        assert out == _walk(value, (secret,))  # the screen never changes the outcome of the walk


def test_a_clean_structure_is_returned_as_it_is_and_unusual_data_is_still_walked():
    clean = {"type": "response.output_text.delta", "delta": "hello", "logprobs": [], "n": 3}
    assert redact(clean, ("hf_emu_alice",)) is clean
    # Non-string keys (not JSON) and a secret that JSON would escape take the node-by-node path.
    assert redact({1: [TOKEN]}) == {1: [REDACTED]}
    assert redact({"k": 'a"b'}, ('a"b',)) == {"k": REDACTED}
