"""The emulator's jobs, repo-write and collection endpoints, driven by the real huggingface_hub client."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from tests.emulator import EmulatorHandle

ALICE = "hf_emu_alice"


@pytest.fixture
def api(emulator: EmulatorHandle) -> HfApi:
    return HfApi(endpoint=emulator.url, token=ALICE)


def test_job_lifecycle_logs_metrics_cancel(api: HfApi, emulator: EmulatorHandle):
    job = api.run_job(image="python:3.12", command=["python", "-c", "print(1)"], env={"EMULATOR_JOB_SECONDS": "0.4"},
                      flavor="cpu-upgrade", timeout="10m", namespace="alice", token=ALICE)
    assert job.status.stage == "SCHEDULING" and job.owner.name == "alice" and job.flavor == "cpu-upgrade"
    assert job.url == f"{emulator.url}/jobs/alice/{job.id}"
    logs = list(api.fetch_job_logs(job_id=job.id, namespace="alice", follow=True, token=ALICE))
    assert logs[-1] == "Training complete." and not any(line.startswith("===== Job started") for line in logs)
    done = api.inspect_job(job_id=job.id, namespace="alice", token=ALICE)
    assert done.status.stage == "COMPLETED" and done.finished_at is not None and done.durations is not None
    # Raw framing: `data: {"data": ..., "timestamp": ...}` frames, as the Hub sends them.
    raw = httpx.get(f"{emulator.url}/api/jobs/alice/{job.id}/logs", headers={"authorization": f"Bearer {ALICE}"})
    frames = [line for line in raw.text.split("\n\n") if line]
    first = json.loads(frames[0].removeprefix("data: "))
    assert frames[0].startswith("data: {") and set(first) == {"data", "timestamp"}
    assert raw.headers["content-type"].startswith("text/event-stream")

    live = api.run_job(image="python:3.12", command=["sleep", "60"], env={"EMULATOR_JOB_SECONDS": "30"},
                       flavor="t4-small", namespace="alice", token=ALICE)
    api.wait_for_job(live.id, stages=["RUNNING"], poll_interval=0.05, timeout=5, namespace="alice", token=ALICE)
    sample = next(iter(api.fetch_job_metrics(job_id=live.id, namespace="alice", token=ALICE)))
    assert {"cpu_usage_pct", "memory_used_bytes", "gpus"} <= set(sample) and sample["gpus"]
    running = [j.id for j in api.list_jobs(status="RUNNING", namespace="alice", token=ALICE)]
    assert live.id in running and job.id not in running
    api.cancel_job(job_id=live.id, namespace="alice", token=ALICE)
    assert api.inspect_job(job_id=live.id, namespace="alice", token=ALICE).status.stage == "CANCELED"
    assert list(api.fetch_job_metrics(job_id=live.id, namespace="alice", token=ALICE)) == []  # 406 tolerated


def test_uv_job_from_url_and_hardware(api: HfApi):
    job = api.run_uv_job("https://example.com/train.py", script_args=["--epochs", "1"], dependencies=["trl"],
                         python="3.12", env={"EMULATOR_JOB_SECONDS": "0.1"}, namespace="alice", token=ALICE)
    assert job.command == ["uv", "run", "--with", "trl", "--python", "3.12", "https://example.com/train.py",
                           "--epochs", "1"]
    hardware = {h.name: h for h in api.list_jobs_hardware(token=ALICE)}
    assert hardware["cpu-basic"].unit_label == "minute" and hardware["cpu-basic"].unit_cost_micro_usd == 167
    assert hardware["a10g-small"].accelerator.model == "A10G"


def test_billing_permissions_and_validation(emulator: EmulatorHandle):
    bob = HfApi(endpoint=emulator.url, token="hf_emu_bob")
    with pytest.raises(HfHubHTTPError) as info:
        bob.run_job(image="python:3.12", command=["echo"], namespace="bob", token="hf_emu_bob")
    assert info.value.response.status_code == 402 and "Insufficient credits" in str(info.value)
    erin = HfApi(endpoint=emulator.url, token="hf_emu_erin_read")
    with pytest.raises(HfHubHTTPError) as info:
        erin.run_job(image="python:3.12", command=["echo"], namespace="erin", token="hf_emu_erin_read")
    assert info.value.response.status_code == 403
    alice = HfApi(endpoint=emulator.url, token=ALICE)
    with pytest.raises(HfHubHTTPError) as info:
        alice.run_job(image="python:3.12", command=["echo"], namespace="bob", token=ALICE)
    assert info.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as info:
        alice.run_job(image="python:3.12", command=["echo"], flavor="h1000", namespace="alice", token=ALICE)
    assert info.value.response.status_code == 400
    # The org pays for jobs in its namespace.
    assert alice.run_job(image="python:3.12", command=["echo"], namespace="acme", token=ALICE).owner.type == "org"


def test_scheduled_jobs(api: HfApi):
    sched = api.create_scheduled_job(image="python:3.12", command=["echo", "hi"], schedule="30 9 * * 1",
                                     namespace="alice", token=ALICE)
    assert sched.schedule == "30 9 * * 1" and sched.suspend is False
    nxt = sched.status.next_job_run_at
    assert nxt is not None and (nxt.weekday(), nxt.hour, nxt.minute) == (0, 9, 30)
    assert sched.id in [s.id for s in api.list_scheduled_jobs(namespace="alice", token=ALICE)]
    api.suspend_scheduled_job(scheduled_job_id=sched.id, namespace="alice", token=ALICE)
    suspended = api.inspect_scheduled_job(scheduled_job_id=sched.id, namespace="alice", token=ALICE)
    assert suspended.suspend is True and suspended.status.next_job_run_at is None
    api.resume_scheduled_job(scheduled_job_id=sched.id, namespace="alice", token=ALICE)
    assert api.inspect_scheduled_job(scheduled_job_id=sched.id, namespace="alice", token=ALICE).suspend is False
    api.delete_scheduled_job(scheduled_job_id=sched.id, namespace="alice", token=ALICE)
    assert sched.id not in [s.id for s in api.list_scheduled_jobs(namespace="alice", token=ALICE)]
    with pytest.raises(HfHubHTTPError):
        api.create_scheduled_job(image="python:3.12", command=["echo"], schedule="every tuesday", namespace="alice",
                                 token=ALICE)


def test_repos_commits_and_collections(api: HfApi, emulator: EmulatorHandle):
    name = f"emu-model-{time.time_ns()}"
    url = api.create_repo(f"alice/{name}", private=True, token=ALICE)
    assert url.repo_id == f"alice/{name}" and api.model_info(f"alice/{name}", token=ALICE).private
    with pytest.raises(HfHubHTTPError):
        api.create_repo(f"alice/{name}", token=ALICE)
    assert api.create_repo(f"alice/{name}", exist_ok=True, token=ALICE).repo_id == f"alice/{name}"
    info = api.upload_file(path_or_fileobj=b"# card\n", path_in_repo="README.md", repo_id=f"alice/{name}",
                           token=ALICE)
    assert info.oid and api.model_info(f"alice/{name}", token=ALICE).sha == info.oid
    assert "README.md" in [s.rfilename for s in api.model_info(f"alice/{name}", token=ALICE).siblings]
    space = api.create_repo(f"alice/{name}-space", repo_type="space", space_sdk="static", token=ALICE)
    assert space.url.endswith(f"/spaces/alice/{name}-space")

    col = api.create_collection(title=f"c {name}"[:60], namespace="alice", private=True, token=ALICE)
    col = api.add_collection_item(col.slug, item_id=f"alice/{name}", item_type="model", note="n", token=ALICE)
    assert [(i.item_id, i.item_type, i.note) for i in col.items] == [(f"alice/{name}", "model", "n")]
    assert api.add_collection_item(col.slug, item_id=f"alice/{name}", item_type="model", exists_ok=True,
                                   token=ALICE).slug == col.slug
    with pytest.raises(HfHubHTTPError):
        api.add_collection_item(col.slug, item_id="alice/nope", item_type="model", token=ALICE)
    again = api.create_collection(title=f"c {name}"[:60], namespace="alice", exists_ok=True, token=ALICE)
    assert again.slug == col.slug
    assert col.slug in [c.slug for c in api.list_collections(owner="alice", token=ALICE)]
    # Private: invisible to others.
    bob = HfApi(endpoint=emulator.url, token="hf_emu_bob")
    assert col.slug not in [c.slug for c in bob.list_collections(owner="alice", token="hf_emu_bob")]
    with pytest.raises(HfHubHTTPError):
        bob.get_collection(col.slug, token="hf_emu_bob")
    api.delete_collection(col.slug, token=ALICE)
    with pytest.raises(HfHubHTTPError):
        api.get_collection(col.slug, token=ALICE)
