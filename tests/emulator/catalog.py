"""The seeded, deterministic Hub catalog (models, datasets, Spaces) and the router's model list.

Everything is built from plain tuples by small builder functions, so growing the catalog
(hundreds of generated entries) only means appending rows or calling `Catalog.add_*`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from .accounts import object_id

KINDS = ("models", "datasets", "spaces")


def _sha(repo_id: str) -> str:
    return hashlib.sha1(f"sha:{repo_id}".encode()).hexdigest()


def _ts(day: str) -> str:
    """'2024-05-01' -> '2024-05-01T00:00:00.000Z' (the Hub's timestamp format)."""
    return f"{day}T00:00:00.000Z" if "T" not in day else day


def _trending(likes: int, repo_id: str) -> int:
    return int(math.sqrt(likes)) + int(hashlib.sha1(repo_id.encode()).hexdigest()[:2], 16) % 17


def _author(repo_id: str) -> str | None:
    return repo_id.split("/", 1)[0] if "/" in repo_id else None


# --------------------------------------------------------------------------- models

_AUTO_MODEL = {
    "text-generation": "AutoModelForCausalLM",
    "image-text-to-text": "AutoModelForImageTextToText",
    "fill-mask": "AutoModelForMaskedLM",
    "text-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "automatic-speech-recognition": "AutoModelForSpeechSeq2Seq",
    "feature-extraction": "AutoModel",
    "sentence-similarity": "AutoModel",
    "summarization": "AutoModelForSeq2SeqLM",
    "translation": "AutoModelForSeq2SeqLM",
    "image-classification": "AutoModelForImageClassification",
    "object-detection": "AutoModelForObjectDetection",
    "zero-shot-image-classification": "AutoModelForZeroShotImageClassification",
}


def _model_files(library: str | None, task: str | None, params: int | None) -> list[str]:
    files = [".gitattributes", "README.md"]
    if library == "diffusers":
        return files + ["model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
                        "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"]
    files.append("config.json")
    if task in ("text-generation", "image-text-to-text"):
        files.append("generation_config.json")
    shards = max(1, (params or 0) // 5_000_000_000)
    if shards > 1:
        files += [f"model-{i:05d}-of-{shards:05d}.safetensors" for i in range(1, shards + 1)]
        files.append("model.safetensors.index.json")
    else:
        files.append("model.safetensors")
    files += ["tokenizer.json", "tokenizer_config.json"]
    if library == "sentence-transformers":
        files += ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json"]
    return sorted(files)


def model_record(
    repo_id: str,
    pipeline_tag: str | None,
    library_name: str | None,
    downloads: int,
    likes: int,
    created: str,
    modified: str,
    params: int | None = None,
    tags: tuple[str, ...] = (),
    *,
    gated: bool | str = False,
    license: str = "apache-2.0",
    base_model: str | None = None,
    language: tuple[str, ...] = ("en",),
    dtype: str = "BF16",
    files: list[str] | None = None,
) -> dict[str, Any]:
    """Full `/api/models/{id}` record (list endpoints project a subset of these keys)."""
    all_tags = [t for t in (library_name, "safetensors" if params else None) if t]
    all_tags += list(tags)
    if pipeline_tag:
        all_tags.append(pipeline_tag)
    all_tags += [f"license:{license}", *language]
    if base_model:
        all_tags.append(f"base_model:{base_model}")
    all_tags.append("region:us")
    card: dict[str, Any] = {"license": license, "language": list(language), "library_name": library_name}
    if pipeline_tag:
        card["pipeline_tag"] = pipeline_tag
    if base_model:
        card["base_model"] = base_model
    record: dict[str, Any] = {
        "_id": object_id(f"model:{repo_id}"),
        "id": repo_id,
        "modelId": repo_id,
        "author": _author(repo_id),
        "sha": _sha(repo_id),
        "lastModified": _ts(modified),
        "private": False,
        "gated": gated,
        "disabled": False,
        "downloads": downloads,
        "downloadsAllTime": downloads * 12,
        "likes": likes,
        "trendingScore": _trending(likes, repo_id),
        "library_name": library_name,
        "tags": list(dict.fromkeys(all_tags)),
        "pipeline_tag": pipeline_tag,
        "createdAt": _ts(created),
        "cardData": card,
        "siblings": [{"rfilename": f} for f in (files or _model_files(library_name, pipeline_tag, params))],
        "spaces": [],
        "usedStorage": (params or 100_000_000) * 2,
        "widgetData": None,
        "model-index": None,
    }
    if library_name == "transformers" and pipeline_tag in _AUTO_MODEL:
        record["transformersInfo"] = {
            "auto_model": _AUTO_MODEL[pipeline_tag],
            "pipeline_tag": pipeline_tag,
            "processor": "AutoTokenizer",
        }
        record["config"] = {"architectures": [f"{repo_id.split('/')[-1].split('-')[0].capitalize()}Model"]}
    if params:
        record["safetensors"] = {"parameters": {dtype: params}, "total": params}
    return record


# (id, pipeline_tag, library, downloads, likes, created, modified, params, extra tags[, options])
MODEL_ROWS: list[tuple] = [
    ("moonshotai/Kimi-K2.6", "text-generation", "transformers", 412_000, 1_830, "2026-01-20", "2026-02-02",
     1_026_000_000_000, ("kimi_k2", "conversational", "custom_code"), {"license": "other"}),
    ("Qwen/Qwen3-0.6B", "text-generation", "transformers", 6_540_000, 812, "2025-04-27", "2025-07-26",
     751_632_384, ("qwen3", "conversational", "arxiv:2505.09388"), {}),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", "text-generation", "transformers", 254_000, 1_190, "2025-07-22",
     "2025-08-21", 480_154_875_392, ("qwen3_moe", "conversational"), {}),
    ("Qwen/Qwen3-Embedding-8B", "feature-extraction", "sentence-transformers", 1_420_000, 512, "2025-06-03",
     "2025-06-20", 7_567_295_488, ("qwen3", "transformers", "sentence-similarity", "text-embeddings-inference"),
     {"base_model": "Qwen/Qwen3-8B-Base"}),
    ("Qwen/Qwen2.5-VL-7B-Instruct", "image-text-to-text", "transformers", 3_120_000, 1_105, "2025-01-26",
     "2025-04-06", 8_292_166_656, ("qwen2_5_vl", "conversational", "multimodal"), {}),
    ("openai/gpt-oss-120b", "text-generation", "transformers", 3_880_000, 4_020, "2025-08-04", "2025-08-26",
     120_412_337_472, ("gpt_oss", "conversational", "vllm"), {}),
    ("openai/gpt-oss-20b", "text-generation", "transformers", 7_210_000, 3_650, "2025-08-04", "2025-08-26",
     21_511_953_984, ("gpt_oss", "conversational", "vllm"), {}),
    ("meta-llama/Llama-3.1-8B-Instruct", "text-generation", "transformers", 5_430_000, 4_610, "2024-07-18",
     "2024-09-25", 8_030_261_248, ("llama", "conversational", "facebook", "meta", "llama-3"),
     {"gated": "manual", "license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B"}),
    ("mistralai/Mistral-7B-Instruct-v0.3", "text-generation", "transformers", 1_120_000, 1_980, "2024-05-22",
     "2025-07-24", 7_248_023_552, ("mistral", "conversational"), {"base_model": "mistralai/Mistral-7B-v0.3"}),
    ("deepseek-ai/DeepSeek-R1", "text-generation", "transformers", 980_000, 12_700, "2025-01-20", "2025-03-27",
     684_531_386_000, ("deepseek_v3", "conversational", "custom_code", "fp8"), {"license": "mit"}),
    ("HuggingFaceTB/SmolLM2-135M-Instruct", "text-generation", "transformers", 890_000, 262, "2024-10-31",
     "2025-02-19", 134_515_008, ("llama", "conversational", "onnx"), {"base_model": "HuggingFaceTB/SmolLM2-135M"}),
    ("openai/whisper-large-v3-turbo", "automatic-speech-recognition", "transformers", 4_780_000, 2_540,
     "2024-10-01", "2024-10-04", 808_878_080, ("whisper", "audio", "hf-asr-leaderboard"),
     {"license": "mit", "base_model": "openai/whisper-large-v3", "dtype": "F16",
      "language": ("en", "zh", "de", "es", "ru", "ko", "fr", "ja")}),
    ("distil-whisper/distil-large-v3", "automatic-speech-recognition", "transformers", 620_000, 330,
     "2024-03-21", "2024-05-14", 756_220_160, ("whisper", "audio", "arxiv:2311.00430"), {"license": "mit"}),
    ("openai/whisper-small", "automatic-speech-recognition", "transformers", 1_910_000, 380, "2022-09-26",
     "2024-02-29", 241_734_912, ("whisper", "audio", "hf-asr-leaderboard"), {"dtype": "F32"}),
    ("BAAI/bge-m3", "sentence-similarity", "sentence-transformers", 7_350_000, 2_360, "2024-01-27", "2024-07-03",
     567_754_752, ("xlm-roberta", "feature-extraction", "arxiv:2402.03216"), {"license": "mit", "dtype": "F32"}),
    ("BAAI/bge-reranker-v2-m3", "text-classification", "sentence-transformers", 2_650_000, 720, "2024-03-15",
     "2024-06-24", 567_755_777, ("xlm-roberta", "transformers", "text-embeddings-inference"),
     {"dtype": "F32", "base_model": "BAAI/bge-m3"}),
    ("jinaai/jina-embeddings-v4", "visual-document-retrieval", "transformers", 310_000, 420, "2025-05-07",
     "2025-07-08", 3_754_622_976, ("qwen2_5_vl", "vidore", "sentence-transformers", "custom_code"),
     {"license": "cc-by-nc-4.0", "base_model": "Qwen/Qwen2.5-VL-3B-Instruct"}),
    ("sentence-transformers/all-MiniLM-L6-v2", "sentence-similarity", "sentence-transformers", 96_300_000,
     3_790, "2022-03-02", "2025-03-06", 22_713_216, ("bert", "feature-extraction", "onnx"), {"dtype": "I64"}),
    ("distilbert/distilbert-base-uncased", "fill-mask", "transformers", 11_200_000, 760, "2022-03-02",
     "2024-05-06", 66_985_530, ("distilbert", "exbert", "arxiv:1910.01108"), {"dtype": "F32"}),
    ("google-bert/bert-base-uncased", "fill-mask", "transformers", 52_100_000, 2_270, "2022-03-02",
     "2024-02-19", 110_106_428, ("bert", "exbert", "arxiv:1810.04805"), {"dtype": "F32"}),
    ("FacebookAI/roberta-base", "fill-mask", "transformers", 9_840_000, 510, "2022-03-02", "2024-02-19",
     124_697_433, ("roberta", "exbert"), {"license": "mit", "dtype": "F32"}),
    ("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification", "transformers",
     4_330_000, 780, "2022-03-02", "2023-12-19", 66_955_010, ("distilbert", "sentiment"),
     {"dtype": "F32", "base_model": "distilbert/distilbert-base-uncased"}),
    ("cardiffnlp/twitter-roberta-base-sentiment-latest", "text-classification", "transformers", 2_210_000, 680,
     "2022-03-15", "2023-05-28", 124_647_939, ("roberta", "sentiment"), {"license": "cc-by-4.0", "dtype": "F32"}),
    ("dslim/bert-base-NER", "token-classification", "transformers", 2_890_000, 620, "2022-03-02", "2024-10-08",
     108_317_193, ("bert", "ner"), {"license": "mit", "dtype": "F32"}),
    ("deepset/roberta-base-squad2", "question-answering", "transformers", 1_180_000, 890, "2022-03-02",
     "2024-09-24", 124_056_578, ("roberta", "squad"), {"license": "cc-by-4.0", "dtype": "F32"}),
    ("facebook/bart-large-cnn", "summarization", "transformers", 3_260_000, 1_440, "2022-03-02", "2024-02-13",
     406_290_432, ("bart", "cnn_dailymail"), {"license": "mit", "dtype": "F32"}),
    ("google-t5/t5-small", "translation", "transformers", 2_480_000, 460, "2022-03-02", "2023-06-30",
     60_506_624, ("t5", "summarization", "text2text-generation"), {"dtype": "F32", "language": ("en", "fr", "ro", "de")}),
    ("google/vit-base-patch16-224", "image-classification", "transformers", 3_010_000, 850, "2022-03-02",
     "2023-09-05", 86_567_656, ("vit", "vision", "imagenet"), {"dtype": "F32"}),
    ("facebook/detr-resnet-50", "object-detection", "transformers", 1_020_000, 870, "2022-03-02", "2024-04-10",
     41_631_008, ("detr", "vision"), {"dtype": "F32"}),
    ("openai/clip-vit-base-patch32", "zero-shot-image-classification", "transformers", 15_400_000, 760,
     "2022-03-02", "2024-02-29", 151_277_313, ("clip", "vision"), {"dtype": "F32"}),
    ("stabilityai/stable-diffusion-xl-base-1.0", "text-to-image", "diffusers", 2_030_000, 6_930, "2023-07-25",
     "2023-10-30", None, ("onnx", "stable-diffusion", "StableDiffusionXLPipeline"), {"license": "openrail++"}),
    ("black-forest-labs/FLUX.1-dev", "text-to-image", "diffusers", 1_560_000, 11_300, "2024-07-31",
     "2024-08-16", None, ("flux", "FluxPipeline"), {"license": "other", "gated": "auto"}),
    ("alice/qwen3-0.6b-sft-demo", "text-generation", "transformers", 12, 1, "2025-11-02", "2025-11-03",
     751_632_384, ("qwen3", "conversational", "trl", "sft"), {"base_model": "Qwen/Qwen3-0.6B"}),
]

# Legacy ids the Hub still resolves (canonical id is returned).
MODEL_ALIASES = {
    "distilbert-base-uncased": "distilbert/distilbert-base-uncased",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "roberta-base": "FacebookAI/roberta-base",
    "t5-small": "google-t5/t5-small",
}


# --------------------------------------------------------------------------- datasets

def dataset_record(
    repo_id: str,
    task_categories: tuple[str, ...],
    downloads: int,
    likes: int,
    created: str,
    modified: str,
    size_category: str,
    tags: tuple[str, ...] = (),
    *,
    description: str = "",
    license: str = "apache-2.0",
    language: tuple[str, ...] = ("en",),
    files: list[str] | None = None,
    gated: bool | str = False,
) -> dict[str, Any]:
    all_tags = [f"task_categories:{t}" for t in task_categories]
    all_tags += [f"language:{lang}" for lang in language]
    all_tags += [f"license:{license}", f"size_categories:{size_category}", *tags,
                 "format:parquet", "modality:text", "library:datasets", "library:pandas", "region:us"]
    return {
        "_id": object_id(f"dataset:{repo_id}"),
        "id": repo_id,
        "author": _author(repo_id),
        "sha": _sha(repo_id),
        "lastModified": _ts(modified),
        "private": False,
        "gated": gated,
        "disabled": False,
        "downloads": downloads,
        "downloadsAllTime": downloads * 10,
        "likes": likes,
        "trendingScore": _trending(likes, repo_id),
        "tags": list(dict.fromkeys(all_tags)),
        "createdAt": _ts(created),
        "key": "",
        "description": description,
        "citation": None,
        "paperswithcode_id": None,
        "cardData": {
            "license": license,
            "language": list(language),
            "task_categories": list(task_categories),
            "size_categories": [size_category],
            "pretty_name": repo_id.split("/")[-1],
        },
        "siblings": [{"rfilename": f} for f in (files or [".gitattributes", "README.md", "data/train-00000-of-00001.parquet"])],
        "usedStorage": downloads * 1_000,
    }


# (id, task categories, downloads, likes, created, modified, size category, extra tags, options)
DATASET_ROWS: list[tuple] = [
    ("HuggingFaceH4/ultrachat_200k", ("text-generation",), 182_000, 640, "2023-10-24", "2024-10-16",
     "100K<n<1M", ("arxiv:2305.14233",),
     {"license": "mit", "description": "This is a heavily filtered version of the UltraChat dataset and was used to train Zephyr-7B-beta.",
      "files": [".gitattributes", "README.md", "data/test_gen-00000-of-00001.parquet",
                "data/test_sft-00000-of-00001.parquet", "data/train_gen-00000-of-00003.parquet",
                "data/train_sft-00000-of-00003.parquet"]}),
    ("stanfordnlp/imdb", ("text-classification",), 251_000, 310, "2022-03-02", "2024-01-04", "10K<n<100K",
     ("task_ids:sentiment-classification",),
     {"license": "other", "description": "Large Movie Review Dataset: 25,000 highly polar movie reviews for training and 25,000 for testing.",
      "files": [".gitattributes", "README.md", "plain_text/test-00000-of-00001.parquet",
                "plain_text/train-00000-of-00001.parquet", "plain_text/unsupervised-00000-of-00001.parquet"]}),
    ("rajpurkar/squad", ("question-answering",), 98_000, 320, "2022-03-02", "2024-03-04", "10K<n<100K",
     ("task_ids:extractive-qa",), {"license": "cc-by-sa-4.0", "description": "Stanford Question Answering Dataset."}),
    ("openai/gsm8k", ("text2text-generation",), 420_000, 770, "2022-03-02", "2024-01-04", "1K<n<10K",
     ("math-word-problems",), {"license": "mit", "description": "Grade School Math 8K."}),
    ("HuggingFaceFW/fineweb-edu", ("text-generation",), 310_000, 790, "2024-05-28", "2025-07-11", "n>1T",
     ("arxiv:2406.17557",), {"license": "odc-by", "description": "1.3T tokens of educational web pages."}),
    ("tatsu-lab/alpaca", ("text-generation",), 41_000, 780, "2023-03-13", "2023-05-22", "10K<n<100K",
     ("instruction-finetuning",), {"license": "cc-by-nc-4.0", "description": "52K instruction-following demonstrations."}),
    ("allenai/c4", ("text-generation", "fill-mask"), 520_000, 450, "2022-03-02", "2024-01-09", "10B<n<100B",
     (), {"license": "odc-by", "description": "A colossal, cleaned version of Common Crawl's web crawl corpus."}),
    ("HuggingFaceH4/no_robots", ("text-generation",), 12_000, 470, "2023-11-10", "2024-04-18", "10K<n<100K",
     ("arxiv:2203.02155",), {"license": "cc-by-nc-4.0", "description": "10,000 instructions and demonstrations written by human annotators."}),
    ("trl-lib/Capybara", ("text-generation",), 9_800, 25, "2024-08-26", "2025-01-31", "10K<n<100K",
     ("trl",), {"description": "Capybara in TRL conversational format."}),
    ("Anthropic/hh-rlhf", ("text-generation",), 22_000, 1_390, "2022-12-08", "2023-05-26", "100K<n<1M",
     ("human-feedback", "arxiv:2204.05862"), {"license": "mit", "description": "Human preference data about helpfulness and harmlessness."}),
    ("nyu-mll/glue", ("text-classification",), 330_000, 410, "2022-03-02", "2024-01-30", "1M<n<10M",
     ("task_ids:acceptability-classification",), {"license": "other", "description": "General Language Understanding Evaluation benchmark."}),
]

DATASET_ALIASES = {"imdb": "stanfordnlp/imdb", "squad": "rajpurkar/squad", "gsm8k": "openai/gsm8k", "glue": "nyu-mll/glue"}


# --------------------------------------------------------------------------- spaces

def space_record(
    repo_id: str,
    sdk: str,
    likes: int,
    created: str,
    modified: str,
    stage: str = "RUNNING",
    hardware: str | None = "cpu-basic",
    models: tuple[str, ...] = (),
    datasets: tuple[str, ...] = (),
    *,
    title: str | None = None,
    emoji: str = "🤗",
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    author = _author(repo_id) or ""
    subdomain = repo_id.replace("/", "-").replace("_", "-").replace(".", "-").lower()
    app_file = {"gradio": "app.py", "streamlit": "app.py", "docker": "Dockerfile", "static": "index.html"}[sdk]
    return {
        "_id": object_id(f"space:{repo_id}"),
        "id": repo_id,
        "author": author,
        "sha": _sha(repo_id),
        "lastModified": _ts(modified),
        "private": False,
        "gated": False,
        "disabled": False,
        "host": f"https://{subdomain}.hf.space",
        "subdomain": subdomain,
        "likes": likes,
        "trendingScore": _trending(likes, repo_id),
        "sdk": sdk,
        "tags": [sdk, *tags, "region:us"],
        "createdAt": _ts(created),
        "cardData": {"title": title or repo_id.split("/")[-1], "emoji": emoji, "colorFrom": "blue",
                     "colorTo": "green", "sdk": sdk, "app_file": app_file, "pinned": False},
        "siblings": [{"rfilename": f} for f in sorted({".gitattributes", "README.md", app_file, "requirements.txt"})],
        "runtime": {
            "stage": stage,
            "hardware": {"current": hardware if stage == "RUNNING" else None, "requested": hardware},
            "storage": None,
            "gcTimeout": 172800,
            "replicas": {"current": 1 if stage == "RUNNING" else 0, "requested": 1},
            "devMode": False,
            "domains": [{"domain": f"{subdomain}.hf.space", "stage": "READY"}],
        },
        "models": list(models),
        "datasets": list(datasets),
        "usedStorage": 1_000_000 + likes,
    }


# (id, sdk, likes, created, modified, stage, hardware, models, datasets, options)
SPACE_ROWS: list[tuple] = [
    ("open-llm-leaderboard/open_llm_leaderboard", "docker", 13_400, "2023-04-24", "2025-03-13", "RUNNING",
     "cpu-upgrade", ("meta-llama/Llama-3.1-8B-Instruct",), (), {"emoji": "🏆", "tags": ("leaderboard",)}),
    ("mteb/leaderboard", "gradio", 6_200, "2022-10-11", "2025-10-30", "RUNNING", "cpu-upgrade",
     ("BAAI/bge-m3", "Qwen/Qwen3-Embedding-8B", "sentence-transformers/all-MiniLM-L6-v2"), (),
     {"emoji": "🥇", "tags": ("leaderboard",)}),
    ("hf-audio/open_asr_leaderboard", "gradio", 1_650, "2023-09-04", "2025-09-22", "RUNNING", "cpu-basic",
     ("openai/whisper-large-v3-turbo", "distil-whisper/distil-large-v3", "openai/whisper-small"), (),
     {"emoji": "🏆", "tags": ("leaderboard",)}),
    ("black-forest-labs/FLUX.1-dev", "gradio", 9_100, "2024-07-31", "2025-06-02", "RUNNING", "zero-a10g",
     ("black-forest-labs/FLUX.1-dev",), (), {"emoji": "🖥️"}),
    ("huggingface-projects/diffusers-gallery", "static", 2_480, "2023-03-01", "2024-04-10", "RUNNING", None,
     ("stabilityai/stable-diffusion-xl-base-1.0",), (), {"emoji": "🖼️"}),
    ("alice/imdb-sentiment-demo", "streamlit", 2, "2025-10-01", "2025-10-02", "SLEEPING", "cpu-basic",
     ("distilbert/distilbert-base-uncased-finetuned-sst-2-english",), ("stanfordnlp/imdb",), {"emoji": "🎬"}),
]


# --------------------------------------------------------------------------- router (Inference Providers)

def provider(name: str, context_length: int, price_in: float, price_out: float, *,
             status: str = "live", tools: bool = True, structured: bool = True) -> dict[str, Any]:
    return {
        "provider": name,
        "status": status,
        "context_length": context_length,
        "pricing": {"input": price_in, "output": price_out},  # USD per 1M tokens
        "supports_tools": tools,
        "supports_structured_output": structured,
    }


# model id -> (created unix time, providers)
INFERENCE_ROWS: list[tuple[str, int, list[dict[str, Any]]]] = [
    ("moonshotai/Kimi-K2.6", 1_768_900_000, [provider("novita", 262_144, 0.6, 2.5),
                                              provider("together", 262_144, 1.0, 3.0)]),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", 1_753_200_000, [provider("novita", 262_144, 0.3, 1.3)]),
    ("openai/gpt-oss-120b", 1_754_300_000, [provider("cerebras", 131_072, 0.25, 0.69),
                                             provider("groq", 131_072, 0.15, 0.75)]),
    ("openai/gpt-oss-20b", 1_754_300_000, [provider("groq", 131_072, 0.1, 0.5)]),
    ("meta-llama/Llama-3.1-8B-Instruct", 1_721_300_000, [provider("cerebras", 32_768, 0.1, 0.1, structured=False),
                                                          provider("novita", 16_384, 0.02, 0.05)]),
    ("deepseek-ai/DeepSeek-R1", 1_737_400_000, [provider("together", 163_840, 3.0, 7.0, tools=False)]),
]


# --------------------------------------------------------------------------- catalog object

@dataclass
class Catalog:
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    spaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KINDS})
    inference_models: dict[str, dict[str, Any]] = field(default_factory=dict)

    def repos(self, kind: str) -> dict[str, dict[str, Any]]:
        return {"models": self.models, "datasets": self.datasets, "spaces": self.spaces}[kind]

    def get(self, kind: str, repo_id: str) -> dict[str, Any] | None:
        repos = self.repos(kind)
        repo_id = self.aliases[kind].get(repo_id, repo_id)
        return repos.get(repo_id)

    def add_model(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        record = model_record(*args, **kwargs)
        self.models[record["id"]] = record
        return record

    def add_dataset(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        record = dataset_record(*args, **kwargs)
        self.datasets[record["id"]] = record
        return record

    def add_space(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        record = space_record(*args, **kwargs)
        self.spaces[record["id"]] = record
        for model_id in record["models"]:
            if model_id in self.models and record["id"] not in self.models[model_id]["spaces"]:
                self.models[model_id]["spaces"].append(record["id"])
        return record

    def add_inference_model(self, model_id: str, created: int, providers: list[dict[str, Any]]) -> None:
        self.inference_models[model_id] = {
            "id": model_id,
            "object": "model",
            "created": created,
            "owned_by": model_id.split("/", 1)[0],
            "providers": providers,
        }
        if model_id in self.models:
            self.models[model_id]["inference"] = "warm"
            self.models[model_id]["inferenceProviderMapping"] = {
                p["provider"]: {"status": p["status"], "providerId": model_id.lower(), "task": "conversational"}
                for p in providers
            }


def build_catalog() -> Catalog:
    catalog = Catalog()
    for row in MODEL_ROWS:
        *args, options = row
        catalog.add_model(*args, **options)
    for row in DATASET_ROWS:
        *args, options = row
        catalog.add_dataset(*args, **options)
    for row in SPACE_ROWS:
        *args, options = row
        catalog.add_space(*args, **options)
    for model_id, created, providers in INFERENCE_ROWS:
        catalog.add_inference_model(model_id, created, providers)
    catalog.aliases["models"].update(MODEL_ALIASES)
    catalog.aliases["datasets"].update(DATASET_ALIASES)
    return catalog
