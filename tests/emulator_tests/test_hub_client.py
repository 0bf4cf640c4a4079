"""The real huggingface_hub client against the emulator's Hub API."""

from __future__ import annotations

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError


@pytest.fixture
def api(emulator) -> HfApi:
    return HfApi(endpoint=emulator.url, token="hf_emu_alice")


def test_list_models_limit_returns_exactly_n(api):
    models = list(api.list_models(limit=5))
    assert len(models) == 5
    assert all(m.id and m.created_at and m.tags for m in models)


def test_list_models_search_filter_sort(api):
    found = [m.id for m in api.list_models(search="whisper", sort="downloads")]
    assert found == ["openai/whisper-large-v3-turbo", "openai/whisper-small", "distil-whisper/distil-large-v3"]
    asr = list(api.list_models(pipeline_tag="automatic-speech-recognition"))
    assert {m.id for m in asr} == set(found)
    st = list(api.list_models(filter="sentence-transformers", author="BAAI"))
    assert {m.id for m in st} == {"BAAI/bge-m3", "BAAI/bge-reranker-v2-m3"}
    liked = [m.likes for m in api.list_models(sort="likes", limit=10)]
    assert liked == sorted(liked, reverse=True)
    newest = [m.last_modified for m in api.list_models(sort="last_modified", limit=5, full=True)]
    assert newest == sorted(newest, reverse=True)


def test_list_models_paginates_over_several_pages(api, emulator, monkeypatch):
    monkeypatch.setattr(emulator.state, "hub_page_size", 7)
    all_ids = [m.id for m in api.list_models()]
    assert len(all_ids) == len(emulator.state.catalog.models) == len(set(all_ids))
    pages = emulator.state.recorded("/api/models")
    assert len(pages) == -(-len(all_ids) // 7)
    assert "cursor" in pages[1]["query"]
    # With a limit, the client stops without fetching the next page.
    emulator.state.clear_requests()
    assert len(list(api.list_models(limit=10))) == 10
    assert len(emulator.state.recorded("/api/models")) == 2  # 7 + 3


def test_list_expand_and_full(api):
    (m,) = api.list_models(search="Kimi-K2.6", expand=["safetensors", "inferenceProviderMapping", "downloads"])
    assert m.safetensors.total > 10**12
    assert {p.provider for p in m.inference_provider_mapping} == {"novita", "together"}
    assert m.likes is None  # not expanded
    (full,) = api.list_models(search="bge-m3", full=True)
    assert full.siblings and full.sha and full.last_modified


def test_model_info(api):
    info = api.model_info("openai/whisper-large-v3-turbo")
    assert info.pipeline_tag == "automatic-speech-recognition"
    assert info.library_name == "transformers"
    assert info.safetensors.total == 808_878_080
    assert any(s.rfilename == "config.json" for s in info.siblings)
    assert info.card_data.license == "mit"
    assert "hf-audio/open_asr_leaderboard" in info.spaces
    assert api.model_info("Qwen/Qwen3-0.6B", revision="main").id == "Qwen/Qwen3-0.6B"
    assert api.model_info("distilbert-base-uncased").id == "distilbert/distilbert-base-uncased"
    gated = api.model_info("meta-llama/Llama-3.1-8B-Instruct")
    assert gated.gated == "manual"


def test_dataset_and_space_info_and_lists(api, emulator):
    ds = api.dataset_info("HuggingFaceH4/ultrachat_200k")
    assert ds.card_data.license == "mit" and ds.description
    assert "task_categories:text-generation" in ds.tags
    assert {d.id for d in api.list_datasets(search="imdb")} == {"stanfordnlp/imdb"}
    assert len(list(api.list_datasets(limit=3, sort="downloads"))) == 3
    assert {d.id for d in api.list_datasets(task_categories="text-classification")} >= {"stanfordnlp/imdb"}
    space = api.space_info("hf-audio/open_asr_leaderboard")
    assert space.sdk == "gradio" and space.runtime.stage == "RUNNING"
    assert space.runtime.hardware == "cpu-basic"
    assert "openai/whisper-large-v3-turbo" in space.models
    spaces = list(api.list_spaces(limit=100))
    # The research catalog (research_routes.py) grows the base catalog's 6 Spaces.
    assert len(spaces) == min(100, len(emulator.state.catalog.spaces)) and all(s.sdk for s in spaces)


def test_unknown_repo_raises_repository_not_found(api, emulator):
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        api.space_info("nobody/nothing")


@pytest.mark.parametrize(
    ("token", "kind", "name", "role"),
    [
        ("hf_emu_alice", "user", "alice", "write"),
        ("hf_emu_bob", "user", "bob", "write"),
        ("hf_emu_carol_noinfer", "user", "carol", "fineGrained"),
        ("hf_emu_dave_fg", "user", "dave", "fineGrained"),
        ("hf_emu_erin_read", "user", "erin", "read"),
        ("hf_emu_org_acme", "org", "acme", "write"),
    ],
)
def test_whoami_each_account(emulator, token, kind, name, role):
    me = HfApi(endpoint=emulator.url, token=token).whoami()
    assert (me["type"], me["name"], me["auth"]["accessToken"]["role"]) == (kind, name, role)
    assert len(me["id"]) == 24
    if name == "alice":
        assert me["orgs"][0]["name"] == "acme" and me["orgs"][0]["roleInOrg"] == "admin"
    if role == "fineGrained":
        scoped = me["auth"]["accessToken"]["fineGrained"]["scoped"][0]
        assert scoped["entity"]["name"] == name
        assert ("inference.serverless.write" in scoped["permissions"]) == (name == "dave")


def test_bad_token_is_401(emulator):
    with pytest.raises(HfHubHTTPError) as exc:
        HfApi(endpoint=emulator.url, token="hf_nope").whoami()
    assert exc.value.response.status_code == 401
    r = httpx.get(f"{emulator.url}/api/models", headers={"Authorization": "Bearer hf_nope"})
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid credentials in Authorization header"}
    assert r.headers["x-error-message"] == "Invalid credentials in Authorization header"
    with pytest.raises(HfHubHTTPError) as exc:
        list(HfApi(endpoint=emulator.url, token="hf_nope").list_models(limit=1))
    assert exc.value.response.status_code == 401
    # Public listing works without a token.
    assert len(list(HfApi(endpoint=emulator.url, token=False).list_models(limit=2))) == 2


def test_unknown_path_is_json_404(emulator):
    r = httpx.get(f"{emulator.url}/does/not/exist")
    assert r.status_code == 404 and "error" in r.json()
