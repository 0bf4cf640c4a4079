"""The database goes away under running turns and requests (found by `make chaos`, whose PostgreSQL restart left
gaps in logs and a turn stuck in_progress): a turn that cannot commit for longer than ``store_retry_seconds``
ends ``failed`` / ``store_unavailable`` once the database is back, with a gapless log; a request meanwhile gets a
retryable 503, not a 500."""

from __future__ import annotations

import time

import httpx
from sqlalchemy.exc import OperationalError

from responses_api.app import create_app
from tests.conftest import ALICE, make_settings, script
from tests.process import wait_for
from tests.serving import serve_in_thread

AUTH = {"authorization": f"Bearer {ALICE}"}


class Outage:
    """Every write of the server's store fails as a refused connection while ``down`` (set from this thread)."""

    def __init__(self, store) -> None:
        self.down = False
        self.refused = 0
        real = store._write

        async def write(work, *args):
            if self.down:
                self.refused += 1
                raise OperationalError("COMMIT", {}, ConnectionRefusedError("connection refused"))
            return await real(work, *args)

        store._write = write


def test_a_turn_that_cannot_commit_fails_cleanly_and_requests_get_503(emulator, tmp_path):
    app = create_app(make_settings(emulator, f"sqlite:///{tmp_path}/db.sqlite", store_retry_seconds=0.3))
    with serve_in_thread(app, name="outage") as port, httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=30) as http:
        outage = Outage(app.state.service.store)
        created = http.post("/v1/responses", json={
            "input": script({"say": " ".join(f"w{i}" for i in range(80)), "chunks": 40, "delay_ms": 50}), "background": True}).json()
        wait_for(lambda: http.get(f"/v1/responses/{created['id']}").json()["output_text"])
        outage.down = True
        time.sleep(0.6)  # longer than store_retry_seconds: the turn gives up on its streamed output
        during = http.post("/v1/responses", json={"input": "Meanwhile."})
        outage.down = False

        assert outage.refused > 2  # the turn's commits met the outage too
        assert during.status_code == 503
        assert during.json()["error"]["code"] == "store_unavailable"
        done = wait_for(lambda: (r := http.get(f"/v1/responses/{created['id']}").json())["status"] != "in_progress"
                        and r)
        assert done["status"] == "failed"
        assert (done["error"]["code"], done["error"]["type"]) == ("server_error", "store_unavailable")
        with http.stream("GET", f"/v1/responses/{created['id']}/events") as stream:
            seqs = [int(line[4:]) for line in stream.iter_lines() if line.startswith("id: ")]
        assert seqs == list(range(len(seqs)))

        # The session goes on.
        follow = http.post("/v1/responses", json={"input": "Go on.", "previous_response_id": created["id"]}).json()
        assert follow["status"] == "completed"
