"""The emulator's Spaces with the real ``HfApi``: a Docker Space builds, runs its committed app on its own host
(private: only its owner's token is admitted), sleeps, wakes on a fresh disk, is deleted; 402 without billing."""

from __future__ import annotations

import time

import httpx
import pytest
from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.errors import HfHubHTTPError

from agent.tools.sandbox.files import template_files
from tests.conftest import ALICE, BOB


def wait_stage(api: HfApi, space_id: str, *stages: str) -> str:
    deadline = time.monotonic() + 10
    while (stage := api.get_space_runtime(space_id).stage) not in stages:
        assert time.monotonic() < deadline, stage
        time.sleep(0.05)  # the emulator's lifecycle runs on the real clock
    return stage


def test_a_docker_space_lifecycle(emulator):
    api = HfApi(endpoint=emulator.url, token=ALICE)
    space_id = "alice/lifecycle-box"
    api.create_repo(space_id, repo_type="space", space_sdk="docker", private=True, space_hardware="t4-small",
                    space_sleep_time=600)
    assert api.get_space_runtime(space_id).stage == "NO_APP_FILE"  # no Dockerfile yet
    api.create_commit(space_id, repo_type="space", commit_message="app", operations=[
        CommitOperationAdd(path_in_repo=p, path_or_fileobj=c) for p, c in template_files([]).items()])
    assert api.get_space_runtime(space_id).stage == "BUILDING"
    assert wait_stage(api, space_id, "APP_STARTING", "RUNNING") in ("APP_STARTING", "RUNNING")
    assert wait_stage(api, space_id, "RUNNING") == "RUNNING"
    runtime = api.get_space_runtime(space_id)
    assert runtime.hardware == runtime.requested_hardware == "t4-small" and runtime.sleep_time == 600

    host = f"{emulator.url}/spaces-host/alice-lifecycle-box"
    alice = {"authorization": f"Bearer {ALICE}"}
    put = httpx.put(f"{host}/files", json={"path": "a.txt", "content": "hi"}, headers=alice)
    assert put.status_code == 200, put.text
    assert httpx.get(f"{host}/files", params={"path": "a.txt"}).status_code == 404  # private: no token, no Space
    assert httpx.get(f"{host}/files", params={"path": "a.txt"},
                     headers={"authorization": f"Bearer {BOB}"}).status_code == 404
    with pytest.raises(HfHubHTTPError) as refused:
        HfApi(endpoint=emulator.url, token=BOB).get_space_runtime(space_id)
    assert refused.value.response.status_code == 404

    # Asleep: a visit wakes it (503 meanwhile), on a fresh disk.
    assert httpx.post(f"{emulator.url}/_emulator/spaces/{space_id}/sleep").json() == {"stage": "SLEEPING"}
    assert api.get_space_runtime(space_id).stage == "SLEEPING"
    assert api.get_space_runtime(space_id).hardware is None
    assert httpx.get(f"{host}/list", headers=alice).status_code == 503
    wait_stage(api, space_id, "RUNNING")
    assert httpx.get(f"{host}/files", params={"path": "a.txt"}, headers=alice).status_code == 404

    # restart_space also starts it again.
    assert api.restart_space(space_id).stage == "APP_STARTING"
    wait_stage(api, space_id, "RUNNING")

    api.delete_repo(space_id, repo_type="space")
    with pytest.raises(HfHubHTTPError) as gone:
        api.get_space_runtime(space_id)
    assert gone.value.response.status_code == 404
    assert httpx.get(f"{host}/list", headers=alice).status_code == 404


def test_docker_spaces_need_billing(emulator):
    bob = HfApi(endpoint=emulator.url, token=BOB)
    for hardware in ("cpu-basic", "t4-small"):
        with pytest.raises(HfHubHTTPError) as refused:
            bob.create_repo(f"bob/box-{hardware}", repo_type="space", space_sdk="docker", space_hardware=hardware)
        assert refused.value.response.status_code == 402
    bob.create_repo("bob/a-gradio-demo", repo_type="space", space_sdk="gradio")  # free SDKs are unchanged


def test_a_failing_build(emulator):
    api = HfApi(endpoint=emulator.url, token=ALICE)
    api.create_repo("alice/broken-box", repo_type="space", space_sdk="docker", private=True)
    api.create_commit("alice/broken-box", repo_type="space", commit_message="app", operations=[
        CommitOperationAdd(path_in_repo=p, path_or_fileobj=c)
        for p, c in template_files(["emulator-build-error"]).items()])
    assert wait_stage(api, "alice/broken-box", "BUILD_ERROR", "RUNNING") == "BUILD_ERROR"
