"""The group commit's fast paths keep what is stored exactly as before: a row's parameters taken in one call equal
the per-column ones, an event is stored with the very JSON its streams are sent, and the group committer (which
looks the event loop up once per busy spell) still commits for a store used from one loop after another."""

from __future__ import annotations

import asyncio
import sqlite3

import orjson
from sqlalchemy import create_engine, insert, update

from agent import events as ev
from agent.bus import EventBus
from agent.models import MessageItem, OutputText
from agent.store import migrate
from agent.store.store import Store
from agent.store.tables import EventRow, ResponseRow
from agent.store.transactions import DriverStatement, dumps_json
from agent.writer import TurnWriter
from tests.unit.conftest import new_response

EVENTS = EventRow.__table__
RESPONSES = ResponseRow.__table__


def _compiled(statement, json_binds: frozenset[str]) -> DriverStatement:
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        return DriverStatement.compile(statement, conn, json_binds)


def _per_column(driver: DriverStatement, rows: list[dict]) -> list[tuple]:
    """The parameters as the statement's names and JSON flags define them, a column at a time."""
    return [tuple(dumps_json(row[name] if name in row else driver.fixed[name]) if is_json
                  else (row[name] if name in row else driver.fixed[name])
                  for name, is_json in zip(driver.names, driver.json)) for row in rows]


def test_event_rows_take_their_parameters_in_one_call_with_the_json_column_encoded():
    driver = _compiled(insert(EVENTS), frozenset({"data"}))
    events = [ev.WireEvent({"type": ev.TEXT_DELTA, "delta": f"part {i} \u2028 é", "sequence_number": i})
              for i in range(3)]
    rows = [{"response_id": "resp_1", "sequence_number": e["sequence_number"], "type": e["type"], "data": e,
             "created_at": 1.5} for e in events]
    params = [tuple(p) for p in driver._params(rows)]
    assert params == _per_column(driver, rows)
    data_at = driver.names.index("data")
    assert [orjson.loads(p[data_at]) for p in params] == events  # valid JSON of each event, as stored before


def test_a_row_missing_a_bound_name_takes_the_statement_s_own_value():
    # A statement with a value bound in itself (here a literal in the WHERE clause) is not served by the fast path.
    statement = update(RESPONSES).where(RESPONSES.c.id == "resp_fixed").values(status="completed")
    driver = _compiled(statement, frozenset())
    assert driver._params([{}]) == _per_column(driver, [{}]) == [("completed", "resp_fixed")]


def test_the_fast_path_runs_on_sqlite_as_the_per_column_one_did(tmp_path):
    driver = _compiled(insert(EVENTS), frozenset({"data"}))
    conn = sqlite3.connect(tmp_path / "plain.db")
    conn.execute("CREATE TABLE events (response_id, sequence_number, type, data, created_at)")
    event = ev.WireEvent({"type": ev.TEXT_DELTA, "delta": "x", "sequence_number": 4})
    row = {"response_id": "r", "sequence_number": 4, "type": ev.TEXT_DELTA, "data": event, "created_at": 2.0}
    conn.executemany(driver.sql, driver._params([row]))
    assert conn.execute("SELECT data FROM events").fetchone()[0] == event.json().decode()


async def test_a_stored_event_is_the_json_its_streams_were_sent(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0)
    await writer.set_status("in_progress")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0, part=OutputText().model_dump())
    delta = writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0,
                                       delta="quoted \" and \u2028", logprobs=[])
    sent = ev.event_json(delta)  # what an SSE frame carries
    await writer.flush()
    stored = [e for e in await store.events_after(row.id, 0) if e["type"] == ev.TEXT_DELTA]
    assert stored == [orjson.loads(sent)]


def test_a_store_commits_from_one_event_loop_after_another(tmp_path):
    url = f"sqlite:///{tmp_path}/loops.db"
    migrate.upgrade(url)
    store = Store.connect(url)

    async def stream(row, text: str) -> None:
        writer = TurnWriter(store, EventBus(), row, flush_ms=5)
        await writer.set_status("in_progress")
        await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
        await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                          part=OutputText().model_dump())
        for word in text.split():
            writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0,
                                       delta=word + " ", logprobs=[])
            await asyncio.sleep(0.001)
        await writer.close()

    async def first():
        row = await new_response(store)
        await stream(row, "one two three")
        return row

    async def second(first_row):
        row = await new_response(store)
        await stream(row, "four five")
        texts = {}
        for response_id in (first_row.id, row.id):
            events = await store.events_after(response_id, 0)
            texts[response_id] = "".join(e["delta"] for e in events if e["type"] == ev.TEXT_DELTA)
        await store.close()
        return row, texts

    first_row = asyncio.run(first())
    second_row, texts = asyncio.run(second(first_row))
    assert texts == {first_row.id: "one two three ", second_row.id: "four five "}
