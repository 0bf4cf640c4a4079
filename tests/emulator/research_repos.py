"""The research catalog's repos: a few hundred generated models, datasets and Spaces across tasks, plus the
datasets-server data of the training-format datasets (chat, preference, prompt-only, ShareGPT...).

Generated ids avoid the base catalog's test fixtures (no ``whisper``, ``imdb``, ``bge``, no extra ASR or
BAAI models), so the base emulator's exact-match assertions still hold.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .catalog import Catalog
from .viewer_catalog import STRING, ViewerConfig, ViewerDataset, ViewerSplit

CHAT = [{"content": STRING, "role": STRING}]
FLOAT = {"dtype": "float64", "_type": "Value"}


def det(key: str, lo: int, hi: int) -> int:
    """A deterministic integer in [lo, hi] derived from ``key``."""
    return lo + int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % (hi - lo + 1)


def _day(key: str, start_year: int = 2023, end_year: int = 2026) -> str:
    year = det(key + "y", start_year, end_year)
    month = det(key + "m", 1, 5 if year == end_year else 12)
    return f"{year}-{month:02d}-{det(key + 'd', 1, 28):02d}"


def _size_params(size: str) -> int:
    value = float(size.lower().rstrip("bm").replace("x", ""))
    return int(value * (1e9 if size.lower().endswith("b") else 1e6))


# (org, name pattern, sizes, pipeline tag, library, extra tags, license)
MODEL_FAMILIES: list[tuple] = [
    # Diffusion language models (the seed's "diffusion LMs for text generation" research task).
    ("GSAI-ML", "LLaDA-{s}-Instruct", ["8B"], "text-generation", "transformers", ("llada", "diffusion", "conversational"),
     "mit"),
    ("GSAI-ML", "LLaDA-{s}-Base", ["8B"], "text-generation", "transformers", ("llada", "diffusion"), "mit"),
    ("Dream-org", "Dream-v0-Instruct-{s}", ["7B"], "text-generation", "transformers", ("dream", "diffusion"),
     "apache-2.0"),
    ("Qwen", "Qwen2.5-{s}-Instruct", ["0.5B", "1.5B", "3B", "7B", "14B", "32B", "72B"], "text-generation",
     "transformers", ("qwen2", "conversational"), "apache-2.0"),
    ("Qwen", "Qwen2.5-Coder-{s}-Instruct", ["1.5B", "7B", "14B", "32B"], "text-generation", "transformers",
     ("qwen2", "code", "conversational"), "apache-2.0"),
    ("Qwen", "Qwen3-{s}", ["1.7B", "4B", "8B", "14B", "32B"], "text-generation", "transformers",
     ("qwen3", "conversational"), "apache-2.0"),
    ("meta-llama", "Llama-3.2-{s}-Instruct", ["1B", "3B"], "text-generation", "transformers",
     ("llama", "conversational", "facebook", "meta"), "llama3.2"),
    ("meta-llama", "Llama-3.3-{s}-Instruct", ["70B"], "text-generation", "transformers",
     ("llama", "conversational"), "llama3.3"),
    ("google", "gemma-3-{s}-it", ["1b", "4b", "12b", "27b"], "image-text-to-text", "transformers",
     ("gemma3", "conversational"), "gemma"),
    ("google", "gemma-2-{s}-it", ["2b", "9b", "27b"], "text-generation", "transformers",
     ("gemma2", "conversational"), "gemma"),
    ("mistralai", "Ministral-{s}-Instruct-2410", ["8B"], "text-generation", "transformers",
     ("mistral", "conversational"), "other"),
    ("mistralai", "Mistral-Small-3.1-{s}-Instruct-2503", ["24B"], "image-text-to-text", "transformers",
     ("mistral3", "conversational"), "apache-2.0"),
    ("microsoft", "Phi-4-{s}", ["mini-instruct", "multimodal-instruct", "reasoning"], "text-generation",
     "transformers", ("phi3", "conversational"), "mit"),
    ("HuggingFaceTB", "SmolLM2-{s}", ["360M", "1.7B"], "text-generation", "transformers", ("llama",), "apache-2.0"),
    ("HuggingFaceTB", "SmolLM2-{s}-Instruct", ["360M", "1.7B"], "text-generation", "transformers",
     ("llama", "conversational"), "apache-2.0"),
    ("HuggingFaceTB", "SmolVLM2-{s}-Video-Instruct", ["256M", "500M", "2.2B"], "image-text-to-text",
     "transformers", ("smolvlm",), "apache-2.0"),
    ("allenai", "OLMo-2-1124-{s}-Instruct", ["7B", "13B"], "text-generation", "transformers",
     ("olmo2", "conversational"), "apache-2.0"),
    ("ibm-granite", "granite-3.3-{s}-instruct", ["2b", "8b"], "text-generation", "transformers",
     ("granite", "conversational"), "apache-2.0"),
    ("deepseek-ai", "DeepSeek-R1-Distill-Qwen-{s}", ["1.5B", "7B", "14B", "32B"], "text-generation",
     "transformers", ("qwen2", "conversational", "reasoning"), "mit"),
    ("deepseek-ai", "DeepSeek-V3-{s}", ["0324"], "text-generation", "transformers",
     ("deepseek_v3", "conversational", "fp8"), "mit"),
    ("tiiuae", "Falcon3-{s}-Instruct", ["1B", "3B", "7B", "10B"], "text-generation", "transformers",
     ("falcon3", "conversational"), "other"),
    ("nvidia", "Llama-3.1-Nemotron-Nano-{s}-v1", ["4B", "8B"], "text-generation", "transformers",
     ("llama", "nemotron", "conversational"), "other"),
    ("intfloat", "multilingual-e5-{s}", ["small", "base", "large"], "sentence-similarity", "sentence-transformers",
     ("xlm-roberta", "feature-extraction", "mteb"), "mit"),
    ("intfloat", "e5-mistral-7b-{s}", ["instruct"], "feature-extraction", "sentence-transformers",
     ("mistral", "mteb"), "mit"),
    ("sentence-transformers", "all-mpnet-{s}-v2", ["base"], "sentence-similarity", "sentence-transformers",
     ("mpnet", "feature-extraction"), "apache-2.0"),
    ("sentence-transformers", "paraphrase-multilingual-MiniLM-L12-{s}", ["v2"], "sentence-similarity",
     "sentence-transformers", ("bert", "feature-extraction"), "apache-2.0"),
    ("nomic-ai", "nomic-embed-text-{s}", ["v1.5", "v2-moe"], "sentence-similarity", "sentence-transformers",
     ("nomic_bert", "feature-extraction", "mteb"), "apache-2.0"),
    ("mixedbread-ai", "mxbai-embed-{s}-v1", ["large", "xsmall"], "feature-extraction", "sentence-transformers",
     ("bert", "mteb"), "apache-2.0"),
    ("Alibaba-NLP", "gte-{s}-en-v1.5", ["base", "large"], "sentence-similarity", "sentence-transformers",
     ("new", "mteb", "custom_code"), "apache-2.0"),
    ("cross-encoder", "ms-marco-MiniLM-L{s}-v2", ["6", "12"], "text-ranking", "sentence-transformers",
     ("bert", "reranker"), "apache-2.0"),
    ("facebook", "bart-large-{s}", ["mnli", "xsum"], "zero-shot-classification", "transformers",
     ("bart",), "mit"),
    ("MoritzLaurer", "deberta-v3-{s}-zeroshot-v2.0", ["base", "large"], "zero-shot-classification",
     "transformers", ("deberta-v2",), "mit"),
    ("ProsusAI", "finbert{s}", [""], "text-classification", "transformers", ("bert", "financial-sentiment-analysis"),
     "other"),
    ("j-hartmann", "emotion-english-{s}", ["distilroberta-base", "roberta-large"], "text-classification",
     "transformers", ("roberta", "emotion"), "other"),
    ("papluca", "xlm-roberta-base-language-{s}", ["detection"], "text-classification", "transformers",
     ("xlm-roberta",), "mit"),
    ("dslim", "bert-large-{s}", ["NER"], "token-classification", "transformers", ("bert", "ner"), "mit"),
    ("Jean-Baptiste", "roberta-large-ner-{s}", ["english"], "token-classification", "transformers",
     ("roberta", "ner"), "mit"),
    ("google", "vit-{s}-patch16-224", ["large", "huge"], "image-classification", "transformers",
     ("vit", "vision"), "apache-2.0"),
    ("microsoft", "resnet-{s}", ["18", "50", "101"], "image-classification", "transformers",
     ("resnet", "vision"), "apache-2.0"),
    ("facebook", "dinov2-{s}", ["small", "base", "large", "giant"], "image-feature-extraction", "transformers",
     ("dinov2",), "apache-2.0"),
    ("timm", "convnext_{s}.fb_in22k_ft_in1k", ["tiny", "small", "base"], "image-classification", "timm",
     ("pytorch", "image-classification"), "apache-2.0"),
    ("PekingU", "rtdetr_{s}", ["r18vd", "r50vd", "r101vd"], "object-detection", "transformers",
     ("rt_detr", "vision"), "apache-2.0"),
    ("hustvl", "yolos-{s}", ["tiny", "small"], "object-detection", "transformers", ("yolos", "vision"),
     "apache-2.0"),
    ("nvidia", "segformer-{s}-finetuned-ade-512-512", ["b0", "b2", "b5"], "image-segmentation", "transformers",
     ("segformer", "vision"), "other"),
    ("stabilityai", "stable-diffusion-3.5-{s}", ["medium", "large", "large-turbo"], "text-to-image",
     "diffusers", ("stable-diffusion", "StableDiffusion3Pipeline"), "other"),
    ("black-forest-labs", "FLUX.1-{s}", ["schnell", "Kontext-dev"], "text-to-image", "diffusers",
     ("flux", "FluxPipeline"), "apache-2.0"),
    ("Helsinki-NLP", "opus-mt-{s}", ["en-de", "en-fr", "en-es", "de-en", "fr-en", "zh-en", "en-ROMANCE"],
     "translation", "transformers", ("marian",), "apache-2.0"),
    ("facebook", "nllb-200-{s}", ["distilled-600M", "distilled-1.3B", "3.3B"], "translation", "transformers",
     ("m2m_100",), "cc-by-nc-4.0"),
    ("google", "pegasus-{s}", ["xsum", "cnn_dailymail", "large"], "summarization", "transformers",
     ("pegasus",), "apache-2.0"),
    ("hexgrad", "Kokoro-{s}", ["82M"], "text-to-speech", None, ("kokoro", "audio"), "apache-2.0"),
    ("microsoft", "speecht5_{s}", ["tts"], "text-to-speech", "transformers", ("speecht5", "audio"), "mit"),
    ("MIT", "ast-finetuned-audioset-{s}", ["10-10-0.4593"], "audio-classification", "transformers",
     ("audio-spectrogram-transformer", "audio"), "bsd-3-clause"),
    ("superb", "wav2vec2-base-superb-{s}", ["ks", "er"], "audio-classification", "transformers",
     ("wav2vec2", "audio"), "apache-2.0"),
    ("google-t5", "t5-{s}", ["base", "large", "3b"], "translation", "transformers", ("t5", "text2text-generation"),
     "apache-2.0"),
    ("answerdotai", "ModernBERT-{s}", ["base", "large"], "fill-mask", "transformers", ("modernbert",),
     "apache-2.0"),
    ("microsoft", "deberta-v3-{s}", ["xsmall", "small", "base", "large"], "fill-mask", "transformers",
     ("deberta-v2",), "mit"),
]

# Quantized re-uploads (GGUF): (uploader, base repo ids)
GGUF_UPLOADERS = {"bartowski": ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct",
                                "google/gemma-3-12b-it", "mistralai/Ministral-8B-Instruct-2410",
                                "microsoft/Phi-4-mini-instruct", "Qwen/Qwen3-8B"],
                  "unsloth": ["Qwen/Qwen3-14B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "google/gemma-3-4b-it",
                              "meta-llama/Llama-3.3-70B-Instruct"],
                  "lmstudio-community": ["Qwen/Qwen2.5-Coder-7B-Instruct", "google/gemma-2-9b-it"]}

# Community fine-tunes: (base model, recipe, dataset)
FINE_TUNE_RECIPES = [
    ("Qwen/Qwen2.5-0.5B-Instruct", "sft", "HuggingFaceH4/ultrachat_200k"),
    ("Qwen/Qwen2.5-1.5B-Instruct", "grpo", "openai/gsm8k"),
    ("HuggingFaceTB/SmolLM2-360M-Instruct", "dpo", "trl-lib/ultrafeedback_binarized"),
    ("meta-llama/Llama-3.2-1B-Instruct", "sft", "trl-lib/Capybara"),
    ("Qwen/Qwen3-1.7B", "grpo", "trl-lib/DeepMath-103K"),
    ("google/gemma-2-2b-it", "sft", "HuggingFaceH4/no_robots"),
    ("HuggingFaceTB/SmolLM2-1.7B-Instruct", "orpo", "trl-lib/ultrafeedback_binarized"),
    ("microsoft/deberta-v3-base", "classifier", "stanfordnlp/sst2"),
    ("answerdotai/ModernBERT-base", "classifier", "fancyzhx/ag_news"),
    ("google/vit-large-patch16-224", "finetuned", "uoft-cs/cifar10"),
]


def _model_rows() -> list[tuple[str, str | None, str | None, int, int, str, str, int | None, tuple, dict]]:
    rows = []
    for org, pattern, sizes, task, library, tags, license_ in MODEL_FAMILIES:
        for size in sizes:
            repo_id = f"{org}/{pattern.format(s=size)}".rstrip("-")
            try:
                params = _size_params(size) if size and size[0].isdigit() and size[-1].lower() in "bm" else None
            except ValueError:
                params = None
            if params is None and library in ("transformers", "sentence-transformers", "timm"):
                params = det(repo_id + "p", 20, 900) * 1_000_000
            downloads = det(repo_id + "dl", 2_000, 2_400_000)
            likes = det(repo_id + "lk", 5, 1_500)
            created = _day(repo_id + "c", 2022, 2025)
            modified = max(created, _day(repo_id + "u", 2024, 2026))
            rows.append((repo_id, task, library, downloads, likes, created, modified, params, tags,
                         {"license": license_}))
    return rows


def _gguf_rows(catalog: Catalog) -> list[tuple]:
    rows = []
    for uploader, bases in GGUF_UPLOADERS.items():
        for base in bases:
            repo_id = f"{uploader}/{base.split('/')[1]}-GGUF"
            base_rec = catalog.models.get(base) or {}
            rows.append((repo_id, base_rec.get("pipeline_tag", "text-generation"), "gguf",
                         det(repo_id + "dl", 5_000, 900_000), det(repo_id + "lk", 3, 400),
                         _day(repo_id + "c", 2024, 2025),
                         _day(repo_id + "u", 2025, 2026), None, ("gguf", "imatrix", "conversational"),
                         {"base_model": base, "files": [".gitattributes", "README.md"] + [
                             f"{base.split('/')[1]}-{q}.gguf" for q in ("Q4_K_M", "Q5_K_M", "Q8_0", "f16")]}))
    return rows


def _fine_tune_rows(users: list[str]) -> list[tuple]:
    rows = []
    for i, user in enumerate(users):
        base, recipe, dataset = FINE_TUNE_RECIPES[i % len(FINE_TUNE_RECIPES)]
        base_rec_name = base.split("/")[1].lower()
        repo_id = f"{user}/{base_rec_name}-{recipe}-{dataset.split('/')[1].lower()}"
        task = {"classifier": "text-classification", "finetuned": "image-classification"}.get(recipe, "text-generation")
        tags = ("trl", recipe, "generated_from_trainer") if task == "text-generation" else ("generated_from_trainer",)
        rows.append((repo_id, task, "transformers", det(repo_id, 0, 4_000), det(repo_id + "l", 0, 40),
                     _day(repo_id + "c", 2025, 2026), _day(repo_id + "u", 2026, 2026), None,
                     (*tags, f"dataset:{dataset}"), {"base_model": base}))
    return rows


# (id, task categories, size category, extra tags, description, license)
DATASET_FAMILIES: list[tuple] = [
    ("HuggingFaceTB/smoltalk", ("text-generation",), "1M<n<10M", ("synthetic", "trl"),
     "Synthetic multi-turn chat mixture used to post-train SmolLM2.", "apache-2.0"),
    ("allenai/tulu-3-sft-mixture", ("text-generation",), "100K<n<1M", ("sft",),
     "Tülu 3 SFT mixture of instruction-following, math and coding conversations.", "odc-by"),
    ("trl-lib/ultrafeedback_binarized", ("text-generation",), "10K<n<100K", ("trl", "dpo", "preference"),
     "UltraFeedback preference pairs (chosen/rejected conversations) for DPO.", "mit"),
    ("trl-lib/tldr", ("summarization",), "100K<n<1M", ("trl", "prompt-completion"),
     "Reddit TL;DR posts with summaries in prompt/completion format.", "mit"),
    ("trl-lib/DeepMath-103K", ("text-generation",), "100K<n<1M", ("trl", "math", "grpo"),
     "Challenging math problems with verifiable answers, prompt-only format for GRPO.", "mit"),
    ("trl-lib/kto-mix-14k", ("text-generation",), "10K<n<100K", ("trl", "kto"),
     "Unpaired preference data (prompt, completion, label) for KTO.", "apache-2.0"),
    ("openai/openai_humaneval", ("text-generation",), "n<1K", ("code",), "HumanEval code generation benchmark.",
     "mit"),
    ("cais/mmlu", ("question-answering",), "100K<n<1M", ("benchmark",),
     "Massive Multitask Language Understanding multiple-choice benchmark.", "mit"),
    ("HuggingFaceH4/MATH-500", ("text-generation",), "n<1K", ("math", "benchmark"),
     "500 MATH problems used for evaluating reasoning models.", "mit"),
    ("AI-MO/NuminaMath-CoT", ("text-generation",), "100K<n<1M", ("math", "chain-of-thought"),
     "Math problems with chain-of-thought solutions.", "apache-2.0"),
    ("nvidia/OpenMathInstruct-2", ("text-generation",), "10M<n<100M", ("math", "synthetic"),
     "Synthetic math instruction tuning data.", "cc-by-4.0"),
    ("teknium/OpenHermes-2.5", ("text-generation",), "1M<n<10M", ("synthetic", "sharegpt"),
     "ShareGPT-format conversations (from/value) used for Hermes models.", "other"),
    ("Open-Orca/OpenOrca", ("text-generation", "question-answering"), "1M<n<10M", ("orca",),
     "Augmented FLAN data with GPT-4 and GPT-3.5 completions.", "mit"),
    ("lmsys/lmsys-chat-1m", ("text-generation",), "1M<n<10M", ("chat",),
     "One million real-world conversations with 25 LLMs.", "other"),
    ("HuggingFaceFW/fineweb", ("text-generation",), "n>1T", ("pretraining",),
     "15T tokens of cleaned and deduplicated English web data.", "odc-by"),
    ("wikimedia/wikipedia", ("text-generation", "fill-mask"), "10M<n<100M", ("wikipedia",),
     "Cleaned Wikipedia articles in many languages.", "cc-by-sa-3.0"),
    ("bigcode/the-stack-v2", ("text-generation",), "n>1T", ("code",), "Source code in 600+ languages.", "other"),
    ("stanfordnlp/sst2", ("text-classification",), "10K<n<100K", ("sentiment",),
     "Stanford Sentiment Treebank, binary.", "unknown"),
    ("fancyzhx/ag_news", ("text-classification",), "100K<n<1M", ("topic-classification",),
     "AG News topic classification (4 classes).", "unknown"),
    ("dair-ai/emotion", ("text-classification",), "10K<n<100K", ("emotion",),
     "English Twitter messages labelled with six emotions.", "other"),
    ("eriktks/conll2003", ("token-classification",), "10K<n<100K", ("ner",), "CoNLL-2003 named entity recognition.",
     "other"),
    ("EdinburghNLP/xsum", ("summarization",), "100K<n<1M", ("news",), "Extreme summarization of BBC articles.",
     "unknown"),
    ("abisee/cnn_dailymail", ("summarization",), "100K<n<1M", ("news",), "CNN / Daily Mail summarization.",
     "apache-2.0"),
    ("Helsinki-NLP/opus-100", ("translation",), "10M<n<100M", ("multilingual",),
     "English-centric multilingual parallel corpus covering 100 languages.", "unknown"),
    ("google-research-datasets/mbpp", ("text-generation",), "n<1K", ("code",),
     "Mostly Basic Python Problems.", "cc-by-4.0"),
    ("ylecun/mnist", ("image-classification",), "10K<n<100K", ("vision",), "Handwritten digits.", "mit"),
    ("uoft-cs/cifar10", ("image-classification",), "10K<n<100K", ("vision",), "60,000 32x32 colour images.",
     "unknown"),
    ("ILSVRC/imagenet-1k", ("image-classification",), "1M<n<10M", ("vision",), "ImageNet-1k.", "other"),
    ("detection-datasets/coco", ("object-detection",), "100K<n<1M", ("vision",), "COCO object detection.",
     "cc-by-4.0"),
    ("scene_parse_150/ade20k", ("image-segmentation",), "10K<n<100K", ("vision",), "ADE20K scene parsing.",
     "bsd-3-clause"),
    ("mozilla-foundation/common_voice_17_0", ("automatic-speech-recognition",), "1M<n<10M", ("audio",),
     "Crowd-sourced read speech in 100+ languages.", "cc0-1.0"),
    ("google/fleurs", ("automatic-speech-recognition",), "100K<n<1M", ("audio", "multilingual"),
     "Few-shot learning evaluation of universal speech representations.", "cc-by-4.0"),
    ("PolyAI/minds14", ("audio-classification",), "1K<n<10K", ("audio", "intent"), "Banking intents in speech.",
     "cc-by-4.0"),
    ("mteb/stsbenchmark-sts", ("sentence-similarity",), "1K<n<10K", ("mteb",), "STS benchmark for MTEB.", "other"),
    ("sentence-transformers/all-nli", ("sentence-similarity",), "100K<n<1M", ("sentence-transformers",),
     "SNLI + MultiNLI triplets for embedding training.", "other"),
    ("nvidia/HelpSteer2", ("text-generation",), "10K<n<100K", ("reward-model",),
     "Helpfulness-annotated responses for reward modelling.", "cc-by-4.0"),
    ("argilla/distilabel-intel-orca-dpo-pairs", ("text-generation",), "10K<n<100K", ("dpo", "preference"),
     "Orca DPO pairs cleaned with distilabel.", "apache-2.0"),
    ("HuggingFaceH4/ultrafeedback_binarized", ("text-generation",), "100K<n<1M", ("preference",),
     "Binarized UltraFeedback used to train Zephyr.", "mit"),
    ("open-r1/OpenR1-Math-220k", ("text-generation",), "100K<n<1M", ("math", "reasoning"),
     "Math reasoning traces generated with DeepSeek-R1.", "apache-2.0"),
    ("HuggingFaceM4/the_cauldron", ("image-text-to-text",), "1M<n<10M", ("multimodal",),
     "Collection of 50 vision-language datasets.", "other"),
]

# (id, sdk, stage, hardware, models, datasets, tags)
SPACE_FAMILIES: list[tuple] = [
    ("HuggingFaceH4/zephyr-chat", "gradio", "RUNNING", "zero-a10g", ("Qwen/Qwen2.5-7B-Instruct",), (), ("chat",)),
    ("Qwen/Qwen2.5-Coder-demo", "gradio", "RUNNING", "zero-a10g", ("Qwen/Qwen2.5-Coder-32B-Instruct",), (),
     ("code",)),
    ("Qwen/Qwen3-Demo", "gradio", "RUNNING", "cpu-basic", ("Qwen/Qwen3-32B",), (), ("chat",)),
    ("meta-llama/llama-3.2-vision-demo", "gradio", "SLEEPING", "zero-a10g", ("meta-llama/Llama-3.2-3B-Instruct",),
     (), ()),
    ("google/gemma-3-playground", "gradio", "RUNNING", "zero-a10g", ("google/gemma-3-27b-it",), (), ()),
    ("stabilityai/stable-diffusion-3.5-large", "gradio", "RUNNING", "zero-a10g",
     ("stabilityai/stable-diffusion-3.5-large",), (), ("image-generation",)),
    ("black-forest-labs/FLUX.1-schnell", "gradio", "RUNNING", "zero-a10g", ("black-forest-labs/FLUX.1-schnell",), (),
     ("image-generation",)),
    ("black-forest-labs/FLUX.1-Kontext-Dev", "gradio", "RUNNING", "zero-a10g",
     ("black-forest-labs/FLUX.1-Kontext-dev",), (), ("image-editing",)),
    ("hexgrad/Kokoro-TTS", "gradio", "RUNNING", "zero-a10g", ("hexgrad/Kokoro-82M",), (), ("tts",)),
    ("HuggingFaceTB/SmolVLM2", "gradio", "RUNNING", "zero-a10g", ("HuggingFaceTB/SmolVLM2-2.2B-Video-Instruct",), (),
     ("video",)),
    ("huggingface/inference-playground", "docker", "RUNNING", "cpu-upgrade", (), (), ("inference",)),
    ("huggingface/trackio", "gradio", "RUNNING", "cpu-basic", (), (), ("tracking", "trackio")),
    ("trl-lib/dataset-formats", "static", "RUNNING", None, (), ("trl-lib/ultrafeedback_binarized",), ("docs",)),
    ("open-r1/README", "static", "RUNNING", None, (), ("open-r1/OpenR1-Math-220k",), ()),
    ("HuggingFaceFW/blogpost-fineweb-v1", "static", "RUNNING", None, (), ("HuggingFaceFW/fineweb",), ("blog",)),
    ("nanotron/ultrascale-playbook", "static", "RUNNING", None, (), (), ("blog", "training")),
    ("mteb/arena", "gradio", "RUNTIME_ERROR", "cpu-upgrade", ("intfloat/multilingual-e5-large",), (),
     ("leaderboard",)),
    ("lmarena-ai/chatbot-arena-leaderboard", "gradio", "RUNNING", "cpu-upgrade", (), ("lmsys/lmsys-chat-1m",),
     ("leaderboard",)),
    ("open-llm-leaderboard/comparator", "gradio", "RUNNING", "cpu-basic", (), (), ("leaderboard",)),
    ("bigcode/bigcode-models-leaderboard", "gradio", "PAUSED", "cpu-basic", ("Qwen/Qwen2.5-Coder-7B-Instruct",), (),
     ("leaderboard", "code")),
    ("facebook/nllb-translation", "gradio", "SLEEPING", "cpu-upgrade", ("facebook/nllb-200-distilled-600M",), (),
     ("translation",)),
    ("Helsinki-NLP/opus-translate", "streamlit", "RUNNING", "cpu-basic", ("Helsinki-NLP/opus-mt-en-de",), (),
     ("translation",)),
    ("PekingU/rtdetr-demo", "gradio", "RUNNING", "t4-small", ("PekingU/rtdetr_r50vd",), ("detection-datasets/coco",),
     ("object-detection",)),
    ("facebook/dinov2-features", "gradio", "BUILD_ERROR", "cpu-basic", ("facebook/dinov2-base",), (), ()),
    ("nvidia/segformer-ade20k", "gradio", "RUNNING", "cpu-basic", ("nvidia/segformer-b0-finetuned-ade-512-512",),
     ("scene_parse_150/ade20k",), ("segmentation",)),
    ("microsoft/Phi-4-multimodal", "gradio", "RUNNING", "zero-a10g", ("microsoft/Phi-4-multimodal-instruct",), (),
     ()),
    ("answerdotai/ModernBERT-playground", "streamlit", "SLEEPING", "cpu-basic", ("answerdotai/ModernBERT-base",), (),
     ()),
    ("MoritzLaurer/zeroshot-classifier", "gradio", "RUNNING", "cpu-basic",
     ("MoritzLaurer/deberta-v3-large-zeroshot-v2.0",), (), ("zero-shot",)),
    ("j-hartmann/emotion-classification", "streamlit", "RUNNING", "cpu-basic",
     ("j-hartmann/emotion-english-distilroberta-base",), ("dair-ai/emotion",), ()),
    ("cais/mmlu-explorer", "docker", "RUNNING", "cpu-basic", (), ("cais/mmlu",), ("benchmark",)),
]


def _dataset_rows() -> list[tuple]:
    rows = []
    for repo_id, tasks, size, tags, description, license_ in DATASET_FAMILIES:
        created = _day(repo_id + "c", 2022, 2025)
        rows.append((repo_id, tasks, det(repo_id + "dl", 800, 1_800_000), det(repo_id + "lk", 5, 2_500), created,
                     max(created, _day(repo_id + "u", 2024, 2026)), size, tags,
                     {"license": license_, "description": description}))
    return rows


def _user_dataset_rows(users: list[str]) -> list[tuple]:
    kinds = [("chat-logs", ("text-generation",), "Support conversations in ShareGPT format."),
             ("preference-pairs", ("text-generation",), "Chosen/rejected answers for DPO."),
             ("eval-results", ("text-generation",), "Evaluation outputs of fine-tuned checkpoints.")]
    rows = []
    for i, user in enumerate(users):
        name, tasks, description = kinds[i % len(kinds)]
        repo_id = f"{user}/{name}"
        rows.append((repo_id, tasks, det(repo_id, 0, 900), det(repo_id + "l", 0, 15), _day(repo_id, 2025, 2026),
                     _day(repo_id + "u", 2026, 2026), "1K<n<10K", (), {"description": description}))
    return rows


def _space_rows(users: list[str]) -> list[tuple]:
    rows = []
    for repo_id, sdk, stage, hardware, models, datasets, tags in SPACE_FAMILIES:
        created = _day(repo_id + "c", 2023, 2025)
        modified = max(created, _day(repo_id + "u", 2025, 2026))
        rows.append((repo_id, sdk, det(repo_id + "lk", 10, 4_000), created, modified,
                     stage, hardware, models, datasets, {"tags": tags, "emoji": "🚀"}))
    for i, user in enumerate(users):
        repo_id = f"{user}/{['demo', 'chatbot', 'leaderboard-mini'][i % 3]}"
        rows.append((repo_id, ("gradio", "streamlit", "docker")[i % 3], det(repo_id, 0, 60), _day(repo_id, 2024, 2025),
                     _day(repo_id + "u", 2025, 2026), ("RUNNING", "SLEEPING", "PAUSED")[i % 3], "cpu-basic", (), (),
                     {"emoji": "🤖"}))
    return rows


def add_research_repos(catalog: Catalog, fine_tuners: list[str]) -> None:
    """Grow the Hub catalog to a few hundred repos (idempotent: existing ids are kept as they are)."""
    for rows, add, existing in ((_model_rows(), catalog.add_model, catalog.models),):
        for *args, options in rows:
            if args[0] not in existing:
                add(*args, **options)
    for *args, options in _gguf_rows(catalog) + _fine_tune_rows(fine_tuners):
        if args[0] not in catalog.models:
            catalog.add_model(*args, **options)
    for *args, options in _dataset_rows() + _user_dataset_rows(fine_tuners[::2]):
        if args[0] not in catalog.datasets:
            catalog.add_dataset(*args, **options)
    for *args, options in _space_rows(fine_tuners[1::3]):
        if args[0] not in catalog.spaces:
            catalog.add_space(*args, **options)


# ----------------------------------------------------------------------------- datasets-server rows

def _hh_row(split: str, i: int) -> dict[str, Any]:
    question = ["How do I bake bread?", "What is the capital of France?", "Can you help me write a poem?",
                "How do I fix a flat tire?"][i % 4]
    return {"chosen": f"\n\nHuman: {question} (#{i})\n\nAssistant: Sure, here is a careful, helpful answer.",
            "rejected": f"\n\nHuman: {question} (#{i})\n\nAssistant: I don't know, figure it out yourself."}


def _capybara_row(split: str, i: int) -> dict[str, Any]:
    return {"messages": [
        {"content": f"Explain gradient checkpointing in one paragraph (#{i}).", "role": "user"},
        {"content": "Gradient checkpointing trades compute for memory by recomputing activations.",
         "role": "assistant"},
        {"content": "And when should I use it?", "role": "user"},
        {"content": "When activations dominate memory, e.g. long sequences or large batches.", "role": "assistant"}]}


def _gsm8k_row(split: str, i: int) -> dict[str, Any]:
    a, b = 3 + i % 7, 5 + i % 11
    return {"question": f"Natalia sold {a} clips in April and {b} in May. How many clips did she sell in total?",
            "answer": f"She sold {a} + {b} = <<{a}+{b}={a + b}>>{a + b} clips.\n#### {a + b}"}


def _ultrafeedback_row(split: str, i: int) -> dict[str, Any]:
    prompt = {"content": f"Write a haiku about autumn (#{i}).", "role": "user"}
    return {"chosen": [prompt, {"content": "Crisp leaves drift and fall / ...", "role": "assistant"}],
            "rejected": [prompt, {"content": "Autumn is a season.", "role": "assistant"}],
            "score_chosen": 8.5, "score_rejected": 4.0}


def _tldr_row(split: str, i: int) -> dict[str, Any]:
    return {"prompt": f"SUBREDDIT: r/relationships\nTITLE: Moving cities (#{i})\n"
                      "POST: My partner got a job ...\nTL;DR:",
            "completion": " Partner got a job in another city; unsure whether to move."}


def _deepmath_row(split: str, i: int) -> dict[str, Any]:
    return {"prompt": [{"content": f"Compute the sum of the first {10 + i % 50} positive integers.", "role": "user"}],
            "solution": str((10 + i % 50) * (11 + i % 50) // 2)}


def _kto_row(split: str, i: int) -> dict[str, Any]:
    return {"prompt": [{"content": f"Summarize: the meeting moved to Tuesday (#{i}).", "role": "user"}],
            "completion": [{"content": "The meeting is now on Tuesday.", "role": "assistant"}],
            "label": i % 3 != 0}


def _sharegpt_row(split: str, i: int) -> dict[str, Any]:
    return {"conversations": [{"from": "human", "value": f"My order #{1000 + i} has not arrived."},
                              {"from": "gpt", "value": "Sorry about that! Let me check the tracking for you."}]}


def _openhermes_row(split: str, i: int) -> dict[str, Any]:
    return {"conversations": [{"from": "system", "value": "You are a helpful assistant."},
                              {"from": "human", "value": f"List three prime numbers greater than {i}."},
                              {"from": "gpt", "value": "Here are three primes ..."}], "source": "airoboros"}


def research_viewer_datasets(user_chat_dataset: str) -> list[ViewerDataset]:
    """datasets-server data for the training-format datasets (added next to the base emulator's two)."""
    bool_ = {"dtype": "bool", "_type": "Value"}

    def single(dataset_id: str, features: dict[str, Any], splits: list[tuple[str, int]], make_row: Any,
               config: str = "default", license_: str = "") -> ViewerDataset:
        return ViewerDataset(id=dataset_id, license=license_, configs=[ViewerConfig(
            name=config, features=features,
            splits=[ViewerSplit(name, n, n * 900, n * 400) for name, n in splits], make_row=make_row)])

    gsm8k = ViewerDataset(id="openai/gsm8k", license="mit", configs=[
        ViewerConfig(name=name, features={"question": STRING, "answer": STRING},
                     splits=[ViewerSplit("train", 7_473, 3_963_202, 2_306_545),
                             ViewerSplit("test", 1_319, 713_732, 419_088)], make_row=_gsm8k_row)
        for name in ("main", "socratic")])
    return [
        gsm8k,
        single("Anthropic/hh-rlhf", {"chosen": STRING, "rejected": STRING}, [("train", 160_800), ("test", 8_552)],
               _hh_row, license_="mit"),
        single("trl-lib/Capybara", {"messages": CHAT}, [("train", 15_806), ("test", 200)], _capybara_row),
        single("trl-lib/ultrafeedback_binarized", {"chosen": CHAT, "rejected": CHAT, "score_chosen": FLOAT,
                                                   "score_rejected": FLOAT},
               [("train", 62_135), ("test", 1_000)], _ultrafeedback_row, license_="mit"),
        single("trl-lib/tldr", {"prompt": STRING, "completion": STRING},
               [("train", 116_722), ("validation", 6_447), ("test", 6_553)], _tldr_row, license_="mit"),
        single("trl-lib/DeepMath-103K", {"prompt": CHAT, "solution": STRING}, [("train", 103_022)], _deepmath_row,
               license_="mit"),
        single("trl-lib/kto-mix-14k", {"prompt": CHAT, "completion": CHAT, "label": bool_},
               [("train", 13_500), ("test", 750)], _kto_row),
        single("teknium/OpenHermes-2.5", {"conversations": [{"from": STRING, "value": STRING}], "source": STRING},
               [("train", 1_001_551)], _openhermes_row),
        single(user_chat_dataset, {"conversations": [{"from": STRING, "value": STRING}]}, [("train", 2_400)],
               _sharegpt_row),
    ]
