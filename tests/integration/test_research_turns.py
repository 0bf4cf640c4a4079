"""The seed's research tasks as whole turns through /v1/responses: the scripted model drives the real research tools
(hub search and details, docs, dataset inspection, papers, code mode) against the emulator, and the answer a user
reads cites only what those tools returned.

Tool-call arguments that a real model would copy from an earlier result (the repo ids a search found, the paper ids
it ranked) use ``{"$from_tool": regex}``. Final texts are static in a script, so each test asserts that every URL and
every figure the answer cites occurs in the turn's ``mcp_call`` outputs.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import script
from tests.integration.helpers import create, emulator_requests

# The n-th JSON row (0-based) of a hub_search / paper_search result: a header line, then one row per line.
ROW_ID = r'^[^\n]*\n(?:[^\n]*\n){%d}\{"id": "([^"]+)"'


@pytest.fixture
def hub(server) -> str:
    """The Hub the server is configured with (the emulator): tools build every repo and paper URL from it."""
    return server.settings.hub_url.rstrip("/")


def run_turn(client: httpx.Client, prompt: str, *steps: Any) -> dict[str, Any]:
    body = create(client, script(*steps, prompt=prompt), max_cost_usd=3.0)
    assert body["status"] == "completed", body.get("error") or body["status"]
    assert body["error"] is None
    usage = body["usage"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["cost_usd"] > 0
    return body


def tool_calls(body: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    """The turn's mcp_call items, checked: the expected tools in order, each completed without error."""
    calls = [item for item in body["output"] if item["type"] == "mcp_call"]
    assert [c["name"] for c in calls] == list(names)
    for call in calls:
        assert call["status"] == "completed" and call["error"] is None, call
        assert call["output"] and len(call["output"].encode()) <= 4096
        assert "truncated" not in call["output"]  # every cited value below is within what the model saw in full
    return calls


def answer_of(body: dict[str, Any]) -> str:
    last = body["output"][-1]
    assert last["type"] == "message" and last["role"] == "assistant"
    return last["content"][0]["text"]


def args(call: dict[str, Any]) -> dict[str, Any]:
    return json.loads(call["arguments"])


def cited_urls(text: str, hub: str) -> list[str]:
    return re.findall(re.escape(hub) + r"/[\w\-./]*[\w\-]", text)


def assert_urls_from_tools(text: str, hub: str, calls: list[dict[str, Any]]) -> list[str]:
    """Every Hub URL the text cites occurs verbatim (not as a prefix of a longer URL) in some tool output."""
    urls = cited_urls(text, hub)
    assert urls, text
    for url in urls:
        exact = re.compile(re.escape(url) + r"(?![\w\-./])")
        assert any(exact.search(c["output"]) for c in calls), f"{url} is in no tool output"
    return urls


def assert_figures_from_tools(text: str, outputs: list[str]) -> None:
    """Every large figure the text cites (1,234,567 or 1234567) is a value some tool output reported."""
    figures = {n.replace(",", "") for n in re.findall(r"\b\d{1,3}(?:,\d{3})+\b|\b\d{5,}\b", text)}
    for figure in figures:
        assert any(re.search(rf"(?<![\d.]){figure}(?![\d.])", out) for out in outputs), f"{figure} not in tool output"


def search_ids(output: str) -> list[str]:
    return [json.loads(line)["id"] for line in output.splitlines()[1:]]


# ------------------------------------------------------------------------- 1. compare three ASR models

def test_compare_three_asr_models_cites_the_models_the_tools_found(alice, hub):
    answer = (
        "Three ASR models on the Hub, by downloads:\n"
        f"1. openai/whisper-large-v3-turbo ({hub}/openai/whisper-large-v3-turbo): 808,878,080 parameters (F16), "
        "4,780,000 downloads, MIT.\n"
        f"2. openai/whisper-small ({hub}/openai/whisper-small): 241,734,912 parameters, the fastest but least "
        "accurate.\n"
        f"3. distil-whisper/distil-large-v3 ({hub}/distil-whisper/distil-large-v3): 756,220,160 parameters, MIT.\n"
        "Recommendation: openai/whisper-large-v3-turbo with the transformers pipeline in fp16, batched:\n"
        "```python\nfrom transformers import pipeline\n"
        "asr = pipeline(\"automatic-speech-recognition\", model=\"openai/whisper-large-v3-turbo\", "
        "torch_dtype=\"float16\", device=0)\n"
        "texts = asr(files, batch_size=16, generate_kwargs={\"language\": \"en\"})\n```")
    body = run_turn(
        alice, "Compare three Hugging Face ASR choices for fast batch English transcription on one GPU and "
               "recommend an implementation path.",
        {"say": "Searching the Hub for speech recognition models.", "calls": [{"call": "hub_search", "arguments": {
            "pipeline_tag": "automatic-speech-recognition", "sort": "downloads", "limit": 3}}]},
        [{"call": "hub_repo_details", "arguments": {"repo_id": {"$from_tool": ROW_ID % i}}} for i in range(3)],
        {"say": answer})
    search, *details = tool_calls(body, "hub_search", "hub_repo_details", "hub_repo_details", "hub_repo_details")
    assert args(search)["pipeline_tag"] == "automatic-speech-recognition"
    found = search_ids(search["output"])
    assert len(found) == 3
    assert all(json.loads(line)["pipeline_tag"] == "automatic-speech-recognition"
               for line in search["output"].splitlines()[1:])
    # The details were fetched for exactly the models the search returned, in its order.
    assert [args(d)["repo_id"] for d in details] == found
    for detail, repo_id in zip(details, found):
        info = json.loads(detail["output"])
        assert info["id"] == repo_id and info["url"] == f"{hub}/{repo_id}"
        assert info["pipeline_tag"] == "automatic-speech-recognition"

    text = answer_of(body)
    assert text == answer
    urls = assert_urls_from_tools(text, hub, [search, *details])
    assert [u.removeprefix(hub + "/") for u in urls] == found  # three models, each cited by its Hub URL
    assert_figures_from_tools(text, [d["output"] for d in details])


# ------------------------------------------------------------------------- 2. embedding + reranker stack

def test_embedding_and_reranker_stack_from_searches_docs_and_details(alice, hub):
    answer = (
        f"Embedding: BAAI/bge-m3 ({hub}/BAAI/bge-m3), 567,754,752 parameters and 7,350,000 downloads: multilingual, "
        f"long inputs, light enough for low latency. Qwen/Qwen3-Embedding-8B ({hub}/Qwen/Qwen3-Embedding-8B, "
        "7,567,295,488 parameters) buys quality at roughly 13x the size.\n"
        f"Reranker: BAAI/bge-reranker-v2-m3 ({hub}/BAAI/bge-reranker-v2-m3), 567,755,777 parameters, built on "
        f"bge-m3; for the lowest latency use cross-encoder/ms-marco-MiniLM-L6-v2 "
        f"({hub}/cross-encoder/ms-marco-MiniLM-L6-v2), the most downloaded text-ranking model.\n"
        f"Serve both with TEI (/embed and /rerank, {hub}/docs/text-embeddings-inference/quick_tour).\n"
        f"Usage ({hub}/docs/hub/sentence-transformers):\n"
        "```python\nfrom sentence_transformers import SentenceTransformer, CrossEncoder\n"
        "embedder = SentenceTransformer(\"BAAI/bge-m3\")\n"
        "reranker = CrossEncoder(\"BAAI/bge-reranker-v2-m3\")\n"
        "ranked = reranker.rank(query, candidates, top_k=5)\n```")
    top_ranker = {"$from_tool": r'\{"id": "([^"]+)", "url": "[^"]+", "downloads": \d+, "likes": \d+, '
                                r'"pipeline_tag": "text-ranking"'}
    body = run_turn(
        alice, "For a 2026 production RAG system over technical docs, compare Qwen/Qwen3-Embedding-8B, BAAI/bge-m3 "
               "and BAAI/bge-reranker-v2-m3. Recommend an embedding + reranker stack for quality vs latency, with a "
               "short sentence-transformers snippet.",
        {"say": "Looking at embedding and reranking models.", "calls": [
            {"call": "hub_search", "arguments": {"pipeline_tag": "sentence-similarity", "limit": 5}},
            {"call": "hub_search", "arguments": {"pipeline_tag": "text-ranking", "limit": 3}},
            {"call": "docs_search", "arguments": {"query": "reranker cross-encoder"}}]},
        [{"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
         {"call": "hub_repo_details", "arguments": {"repo_id": "Qwen/Qwen3-Embedding-8B"}},
         {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-reranker-v2-m3"}},
         {"call": "hub_repo_details", "arguments": {"repo_id": top_ranker}}],
        {"say": answer})
    embed_search, rank_search, docs, *details = tool_calls(
        body, "hub_search", "hub_search", "docs_search", *["hub_repo_details"] * 4)
    assert "BAAI/bge-m3" in search_ids(embed_search["output"])
    rankers = search_ids(rank_search["output"])
    assert rankers and all(json.loads(line)["pipeline_tag"] == "text-ranking"
                           for line in rank_search["output"].splitlines()[1:])
    # The low-latency reranker is the one the text-ranking search ranked first, not a name the script knew.
    assert args(details[3])["repo_id"] == rankers[0]
    assert f"{hub}/docs/text-embeddings-inference/quick_tour" in docs["output"] and "/rerank" in docs["output"]
    reranker = json.loads(details[2]["output"])
    assert reranker["card_data"]["base_model"] == "BAAI/bge-m3"

    text = answer_of(body)
    assert text == answer
    urls = assert_urls_from_tools(text, hub, [embed_search, rank_search, docs, *details])
    cited_models = {u.removeprefix(hub + "/") for u in urls if "/docs/" not in u}
    assert cited_models == {args(d)["repo_id"] for d in details}  # every cited model was looked up
    assert_figures_from_tools(text, [d["output"] for d in details] + [embed_search["output"]])
    assert 'CrossEncoder("BAAI/bge-reranker-v2-m3")' in docs["output"]  # the snippet follows the docs page


# ------------------------------------------------------------------------- 3. SFT viability of ultrachat_200k

def test_ultrachat_inspection_reports_splits_and_sft_ready_format(alice, hub):
    answer = (
        f"HuggingFaceH4/ultrachat_200k ({hub}/datasets/HuggingFaceH4/ultrachat_200k), config default.\n"
        "- Splits: train_sft 207,865 rows, test_sft 23,110, train_gen 256,032, test_gen 28,304.\n"
        "- Columns: prompt, prompt_id and messages, a list of {role, content}.\n"
        "- Format: train_sft/test_sft are conversational language modeling data, SFT-ready for SFTTrainer as-is "
        "(the chat template is applied to messages).\n"
        "- Risk: train_gen/test_gen end with the user turn (prompt-only); do not train SFT on them.\n"
        "- 1-hour LoRA smoke test for Qwen/Qwen3-0.6B: SFTTrainer on 20,000 train_sft rows, "
        "assistant_only_loss=True, packing, LoraConfig(r=16, lora_alpha=32, target_modules=\"all-linear\"); "
        "evaluate on 500 test_sft rows.")
    body = run_turn(
        alice, "Inspect the HuggingFaceH4/ultrachat_200k dataset for supervised fine-tuning viability. Report the "
               "available splits, key columns/format, any risks for SFT, and propose a 1-hour LoRA SFT smoke-test plan "
               "for Qwen/Qwen3-0.6B.",
        {"say": "Inspecting the dataset.", "calls": [{"call": "dataset_inspect", "arguments": {
            "dataset": "HuggingFaceH4/ultrachat_200k", "rows": 2}}]},
        [{"call": "dataset_inspect", "arguments": {
            "dataset": "HuggingFaceH4/ultrachat_200k", "split": {"$from_tool": r'"(train_gen)"'}, "rows": 1}},
         {"call": "docs_fetch", "arguments": {"url": "https://huggingface.co/docs/trl/sft_trainer"}}],
        {"say": answer})
    sft, gen, sft_docs = tool_calls(body, "dataset_inspect", "dataset_inspect", "docs_fetch")
    report = json.loads(sft["output"])
    assert report["url"] == f"{hub}/datasets/HuggingFaceH4/ultrachat_200k"
    assert report["configs"] == {"default": ["train_sft", "test_sft", "train_gen", "test_gen"]}
    assert report["features"]["messages"] == [{"content": "string", "role": "string"}]
    # The diagnosis a user relies on: chat `messages` ending with the assistant is SFT-ready, no issues, no fix.
    assert report["format"] == {"type": "language modeling", "style": "conversational", "trainers": ["SFTTrainer"]}
    assert report["sample"]["split"] == "train_sft" and len(report["sample"]["rows"]) == 2
    assert [m["role"] for m in report["sample"]["rows"][0]["messages"]] == ["user", "assistant"]
    generation = json.loads(gen["output"])
    assert generation["sample"]["split"] == "train_gen"
    assert generation["format"]["type"].startswith("prompt-only")
    assert "SFTTrainer" not in generation["format"]["trainers"]
    assert "assistant_only_loss=True" in sft_docs["output"] and "all-linear" in sft_docs["output"]

    text = answer_of(body)
    assert text == answer
    assert_urls_from_tools(text, hub, [sft, gen])
    for split, rows in report["rows_per_split"].items():  # every split reported with its row count
        assert f"{split} {rows:,}" in text
    assert report["format"]["type"] in text and "SFT-ready" in text and "SFTTrainer" in text
    assert "prompt-only" in text


# ------------------------------------------------------------------------- 4. sparse autoencoder frontier

def test_sparse_autoencoder_frontier_cites_paper_pages_from_the_search(alice, hub):
    answer = (
        "- Scaling: TopK sparse autoencoders remove the L1 penalty, nearly eliminate dead latents and follow clean "
        f"scaling laws up to 16 million latents on GPT-4 ({hub}/papers/2406.04093).\n"
        "- Architecture: JumpReLU and TopK SAEs now set the sparsity-fidelity frontier.\n"
        "- Open tooling: Gemma Scope releases JumpReLU SAEs on every layer of Gemma 2 2B and 9B "
        f"({hub}/papers/2408.05147).\n"
        "- Main open problem: whether SAEs find the model's true features, plus feature splitting and absorption "
        "across widths.\n"
        "- Practice: proxy metrics such as reconstruction do not reliably predict usefulness for probing and "
        "steering.")
    body = run_turn(
        alice, "Research sparse autoencoders (SAEs) for mechanistic interpretability of language models. In 5 concise "
               "bullets, explain the current frontier, the main open problem, and cite 2 relevant Hugging Face paper "
               "pages.",
        {"say": "Searching Hugging Face papers.", "calls": [{"call": "paper_search", "arguments": {
            "query": "sparse autoencoders", "limit": 5}}]},
        [{"call": "paper_read", "arguments": {"arxiv_id": {"$from_tool": ROW_ID % 0}}},
         {"call": "paper_read", "arguments": {"arxiv_id": {"$from_tool": ROW_ID % 1}, "section": "open problems"}}],
        {"say": answer})
    search, details, section = tool_calls(body, "paper_search", "paper_read", "paper_read")
    rows = [json.loads(line) for line in search["output"].splitlines()[1:]]
    assert len(rows) == 5
    assert all("sparse autoencoder" in (r["title"] + r["summary"]).lower() for r in rows)
    assert [r["upvotes"] for r in rows] == sorted((r["upvotes"] for r in rows), reverse=True)
    assert all(r["url"] == f"{hub}/papers/{r['id']}" for r in rows)
    # The two papers read are the search's top two.
    assert [args(details)["arxiv_id"], args(section)["arxiv_id"]] == [rows[0]["id"], rows[1]["id"]]
    info = json.loads(details["output"])
    assert info["id"] == rows[0]["id"] and info["url"] == f"{hub}/papers/{rows[0]['id']}"
    assert info["sections"] and info["summary"]
    assert section["output"].startswith(f"## 6 Open problems ({hub}/papers/{rows[1]['id']})")

    text = answer_of(body)
    assert text == answer
    urls = assert_urls_from_tools(text, hub, [search, details, section])
    assert urls == [f"{hub}/papers/{rows[0]['id']}", f"{hub}/papers/{rows[1]['id']}"]
    assert "16 million latent" in info["summary"] and "dead latents" in info["summary"]
    assert "feature splitting and absorption across widths" in section["output"]


# ------------------------------------------------------------------------- 5. code-mode Hub query (seed 002)

CODE = """resp = await hf_models_search(pipeline_tag="text-generation", author="Qwen", sort="likes", limit=5,
                              fields=["repo_id", "likes", "downloads", "repo_url"])
result = resp["items"]
result"""


def _expected_top_liked(emulator) -> list[dict[str, Any]]:
    """The same question asked of the emulator directly: the rows the script must return."""
    reply = httpx.get(f"{emulator.url}/api/models", timeout=10, params={
        "author": "Qwen", "pipeline_tag": "text-generation", "sort": "likes", "limit": 5,
        "expand": ["likes", "downloads"]})
    reply.raise_for_status()
    return [{"repo_id": m["id"], "likes": m["likes"], "downloads": m["downloads"]} for m in reply.json()]


def test_code_mode_query_runs_in_monty_and_the_answer_lists_its_items(alice, hub, emulator):
    expected = _expected_top_liked(emulator)
    assert len(expected) == 5
    answer = "Top 5 most-liked Qwen text-generation models:\n" + "\n".join(
        f"{i}. {m['repo_id']}: {m['likes']:,} likes, {m['downloads']:,} downloads ({hub}/{m['repo_id']})"
        for i, m in enumerate(expected, 1))
    body = run_turn(
        alice, "What are the top 5 most-liked text-generation models by Qwen, with their downloads?",
        {"say": "Querying the Hub.", "calls": [{"call": "hub_query", "arguments": {"code": CODE, "max_calls": 5}}]},
        {"say": answer})
    (query,) = tool_calls(body, "hub_query")
    assert args(query)["code"] == CODE
    out = json.loads(query["output"])
    assert out["calls_used"] == 1 and out["max_calls"] == 5 and "helper_errors" not in out
    items = out["result"]
    assert [{k: m[k] for k in ("repo_id", "likes", "downloads")} for m in items] == expected
    assert all(set(m) == {"repo_id", "likes", "downloads", "repo_url"} for m in items)
    assert all(m["repo_url"] == f"{hub}/{m['repo_id']}" and m["repo_id"].startswith("Qwen/") for m in items)
    assert [m["likes"] for m in items] == sorted((m["likes"] for m in items), reverse=True)
    # The script's one helper call reached the Hub as the caller.
    sent = [r for r in emulator_requests(emulator, "/api/models")
            if r["account"] == "alice" and r["query"].get("author") == ["Qwen"]
            and r["query"].get("sort") == ["likes"]]
    assert sent

    text = answer_of(body)
    assert text == answer
    assert_urls_from_tools(text, hub, [query])
    lines = text.splitlines()[1:]
    assert len(lines) == len(items)
    for line, item in zip(lines, items):  # the answer lists the script's items, in its order
        assert item["repo_id"] in line and f"{item['likes']:,} likes" in line
        assert f"{item['downloads']:,} downloads" in line
    assert_figures_from_tools(text, [query["output"]])
