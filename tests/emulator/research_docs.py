"""Documentation pages served at ``{hub}/docs/{product}/{page}`` and searched by ``/api/docs/search``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocPage:
    product: str
    page: str  # path under /docs/{product}/
    title: str
    sections: tuple[tuple[str, str], ...]

    @property
    def path(self) -> str:
        return f"/docs/{self.product}/{self.page}"

    def markdown(self) -> str:
        parts = [f"# {self.title}", ""]
        for heading, text in self.sections:
            parts += [f"## {heading}", "", text, ""]
        return "\n".join(parts)


DOCS: tuple[DocPage, ...] = (
    DocPage("trl", "sft_trainer", "Supervised Fine-tuning Trainer", (
        ("Quick start", "```python\nfrom datasets import load_dataset\nfrom trl import SFTTrainer\n\n"
                        "dataset = load_dataset(\"trl-lib/Capybara\", split=\"train\")\n"
                        "trainer = SFTTrainer(model=\"Qwen/Qwen2.5-0.5B\", train_dataset=dataset)\n"
                        "trainer.train()\n```"),
        ("Expected dataset type and format", "SFT supports language modeling and prompt-completion datasets, in "
         "standard or conversational format. Conversational datasets have a `messages` column holding a list of "
         "{\"role\", \"content\"} dicts; the chat template of the tokenizer is applied automatically."),
        ("Train on completions only", "By default the loss covers the completion only for prompt-completion data "
         "(`completion_only_loss`). For conversational data set `assistant_only_loss=True` to train only on "
         "assistant turns; the chat template must support generation masks."),
        ("Packing", "`packing=True` in `SFTConfig` packs several short examples into sequences of `max_length` to "
         "reduce padding."),
        ("Train adapters with PEFT", "Pass "
         "`peft_config=LoraConfig(r=16, lora_alpha=32, target_modules=\"all-linear\")` "
         "to train LoRA adapters instead of the full model."),
    )),
    DocPage("trl", "dpo_trainer", "DPO Trainer", (
        ("Quick start", "```python\nfrom datasets import load_dataset\nfrom trl import DPOConfig, DPOTrainer\n\n"
                        "dataset = load_dataset(\"trl-lib/ultrafeedback_binarized\", split=\"train\")\n"
                        "args = DPOConfig(output_dir=\"Qwen2-0.5B-DPO\")\n"
                        "trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer, "
                        "train_dataset=dataset)\ntrainer.train()\n```"),
        ("Expected dataset type", "DPO requires a preference dataset: `prompt`, `chosen` and `rejected` columns "
         "(explicit prompt) or only `chosen` and `rejected` (implicit prompt), standard or conversational."),
        ("Key parameters", "`beta` (default 0.1) controls how far the policy may deviate from the reference "
         "model. `loss_type` selects the objective (sigmoid, ipo, hinge, ...). A reference model is created from "
         "the initial policy unless `ref_model` is given."),
        ("Logged metrics", "`rewards/chosen`, `rewards/rejected`, `rewards/accuracies` and `rewards/margins` track "
         "how well the policy separates the pairs."),
    )),
    DocPage("trl", "grpo_trainer", "GRPO Trainer", (
        ("Quick start", "```python\nfrom datasets import load_dataset\nfrom trl import GRPOConfig, GRPOTrainer\n\n"
                        "dataset = load_dataset(\"trl-lib/DeepMath-103K\", split=\"train\")\n\n"
                        "def reward_len(completions, **kwargs):\n"
                        "    return [-abs(20 - len(c)) for c in completions]\n\n"
                        "trainer = GRPOTrainer(model=\"Qwen/Qwen2-0.5B-Instruct\", reward_funcs=reward_len, "
                        "train_dataset=dataset)\ntrainer.train()\n```"),
        ("Expected dataset type", "GRPO expects a prompt-only dataset: a `prompt` column (standard or "
         "conversational). Any other columns (e.g. `solution`) are passed to the reward functions as keyword "
         "arguments."),
        ("Group relative advantage", "For each prompt, `num_generations` completions are sampled; each reward is "
         "normalised by the group mean and standard deviation to obtain the advantage. No value model is used."),
        ("Reward functions", "A reward function receives `prompts`, `completions` and the dataset's extra columns "
         "and returns a list of floats. Several functions can be combined with `reward_weights`."),
        ("Generation with vLLM", "`use_vllm=True` speeds up generation; in server mode run `trl vllm-serve` on "
         "separate GPUs."),
    )),
    DocPage("trl", "dataset_formats", "Dataset formats and types", (
        ("Overview", "Datasets are standard (plain text) or conversational (lists of role/content messages). Types: "
         "language modeling (`text` or `messages`), prompt-only (`prompt`), prompt-completion (`prompt`, "
         "`completion`), preference (`prompt`, `chosen`, `rejected`, or implicit prompt), unpaired preference "
         "(`prompt`, `completion`, `label`) and stepwise supervision (`prompt`, `completions`, `labels`)."),
        ("Which trainer for which type", "SFTTrainer: language modeling, prompt-completion. DPOTrainer, "
         "ORPOTrainer, RewardTrainer: preference. GRPOTrainer, RLOOTrainer, OnlineDPOTrainer: prompt-only. "
         "KTOTrainer: unpaired preference. PRMTrainer: stepwise supervision."),
        ("Converting datasets", "Use `datasets.Dataset.map` to rename columns, e.g. ShareGPT `conversations` with "
         "`from`/`value` keys to `messages` with `role`/`content` (human -> user, gpt -> assistant)."),
    )),
    DocPage("transformers", "chat_templating", "Chat templates", (
        ("Using apply_chat_template", "`tokenizer.apply_chat_template(messages, tokenize=False, "
         "add_generation_prompt=True)` formats a list of {\"role\", \"content\"} messages with the model's "
         "template."),
        ("add_generation_prompt", "Adds the tokens that start an assistant message; use it at inference, not when "
         "training on complete conversations."),
        ("Templates for training", "Apply the template as a preprocessing step; make sure special tokens are not "
         "added twice."),
    )),
    DocPage("transformers", "main_classes/trainer", "Trainer", (
        ("Trainer", "The Trainer class provides a complete training loop for PyTorch models: "
         "`Trainer(model=model, args=training_args, train_dataset=..., eval_dataset=...)`."),
        ("TrainingArguments", "Key arguments: `output_dir`, `learning_rate`, `per_device_train_batch_size`, "
         "`gradient_accumulation_steps`, `num_train_epochs`, `bf16`, `gradient_checkpointing`, `report_to` "
         "(e.g. \"trackio\"), `push_to_hub` and `hub_model_id`."),
        ("Checkpoints", "`save_strategy` and `save_steps` control checkpointing; `resume_from_checkpoint` "
         "restarts training."),
    )),
    DocPage("transformers", "quantization/bitsandbytes", "bitsandbytes", (
        ("4-bit loading", "`BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"nf4\", "
         "bnb_4bit_compute_dtype=torch.bfloat16)` loads a model in 4-bit NF4 for QLoRA."),
        ("8-bit loading", "`load_in_8bit=True` uses LLM.int8() mixed-precision decomposition."),
    )),
    DocPage("peft", "developer_guides/lora", "LoRA", (
        ("LoraConfig", "`LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules=\"all-linear\", "
         "task_type=\"CAUSAL_LM\")`. `r` is the rank of the update matrices; the update is scaled by "
         "lora_alpha / r."),
        ("Merge adapters", "`model.merge_and_unload()` folds the adapter into the base weights for inference."),
        ("Initialization", "By default B is zero-initialised so the adapter starts as a no-op; `init_lora_weights` "
         "selects alternatives such as PiSSA or OLoRA."),
    )),
    DocPage("datasets", "loading", "Load a dataset", (
        ("From the Hub", "`load_dataset(\"HuggingFaceH4/ultrachat_200k\", split=\"train_sft\")` downloads and "
         "prepares a split. Pass a config name as the second argument when the dataset has several."),
        ("Streaming", "`streaming=True` returns an IterableDataset that reads examples lazily without downloading "
         "the whole dataset."),
        ("Local files", "`load_dataset(\"json\", data_files=\"data.jsonl\")` loads local CSV, JSON or Parquet "
         "files."),
    )),
    DocPage("datasets", "process", "Process", (
        ("Map", "`dataset.map(fn, batched=True, remove_columns=[...])` applies a function to every example."),
        ("Filter", "`dataset.filter(lambda x: len(x[\"text\"]) > 0)` keeps matching rows."),
        ("Split", "`dataset.train_test_split(test_size=0.1, seed=42)` creates train and test splits."),
    )),
    DocPage("dataset-viewer", "quick_start", "Dataset viewer API quickstart", (
        ("Endpoints", "The dataset viewer API at datasets-server.huggingface.co answers `/is-valid`, `/splits`, "
         "`/info`, `/first-rows`, `/rows`, `/search`, `/filter`, `/size` and `/parquet`."),
        ("Rows", "`/rows?dataset=...&config=...&split=...&offset=0&length=100` returns at most 100 rows per "
         "request with `num_rows_total`."),
        ("Gated and private datasets", "Send a user token in the Authorization header to query gated or private "
         "datasets you can access."),
    )),
    DocPage("huggingface_hub", "guides/jobs", "Run and manage Jobs", (
        ("Run a job", "`run_job(image=\"python:3.12\", command=[\"python\", \"-c\", \"print(1)\"], "
         "flavor=\"cpu-basic\")` starts a Docker job on Hugging Face infrastructure; `hf jobs run` is the CLI."),
        ("UV scripts", "`run_uv_job(\"train.py\", dependencies=[\"trl\"], flavor=\"a10g-small\")` runs a script "
         "with inline dependencies."),
        ("Hardware", "Flavors include cpu-basic, cpu-upgrade, t4-small, l4x1, a10g-small, a10g-large, a100-large; "
         "jobs are billed per minute."),
        ("Logs and status", "`fetch_job_logs(job_id=...)` streams logs; `inspect_job` returns the stage "
         "(RUNNING, COMPLETED, ERROR, CANCELED)."),
    )),
    DocPage("huggingface_hub", "guides/upload", "Upload files to the Hub", (
        ("create_repo", "`create_repo(\"user/my-model\", repo_type=\"model\", private=True)` creates a repository."),
        ("upload_folder", "`upload_folder(folder_path=\"./out\", repo_id=\"user/my-model\")` commits a folder in "
         "one commit."),
        ("push_to_hub", "Trainers push checkpoints with `push_to_hub=True` and `hub_model_id`."),
    )),
    DocPage("hub", "model-cards", "Model Cards", (
        ("Metadata", "The YAML header of README.md declares `license`, `language`, `library_name`, "
         "`pipeline_tag`, `base_model`, `datasets` and `tags`."),
        ("Evaluation results", "`model-index` records evaluation results shown on the model page."),
    )),
    DocPage("hub", "spaces-overview", "Spaces Overview", (
        ("SDKs", "Spaces run Gradio, Streamlit (via Docker), Docker or static HTML apps."),
        ("Hardware", "Spaces run on free CPU by default; upgrade to GPUs or ZeroGPU from the settings."),
    )),
    DocPage("trackio", "index", "Trackio", (
        ("Quick start", "`import trackio; trackio.init(project=\"my-project\", space_id=\"user/trackio\")`, then "
         "`trackio.log({\"loss\": 0.1})` and `trackio.finish()`. Metrics sync to a Hugging Face Space dashboard."),
        ("With transformers", "Set `report_to=\"trackio\"` in TrainingArguments or TRL configs."),
    )),
    DocPage("hub", "sentence-transformers", "Using Sentence Transformers at Hugging Face", (
        ("Exploring sentence-transformers in the Hub", "Embedding models are listed under the "
         "`sentence-similarity` and `feature-extraction` tasks; rerankers (cross-encoders) under `text-ranking`."),
        ("Using existing models", "```python\nfrom sentence_transformers import SentenceTransformer, CrossEncoder\n\n"
         "embedder = SentenceTransformer(\"BAAI/bge-m3\")\nembeddings = embedder.encode(chunks)\n"
         "reranker = CrossEncoder(\"BAAI/bge-reranker-v2-m3\")\nranked = reranker.rank(query, candidates, top_k=5)\n"
         "```\nRetrieve candidates with the embedding model, then rerank the top results with the cross-encoder."),
        ("Sharing your models", "`model.push_to_hub(\"user/my-embedder\")` uploads a model with its card."),
    )),
    DocPage("text-embeddings-inference", "quick_tour", "Quick Tour", (
        ("Deploy", "`docker run --gpus all -p 8080:80 ghcr.io/huggingface/text-embeddings-inference:1.8 "
         "--model-id BAAI/bge-m3` serves an embedding model; `/embed` returns its vectors."),
        ("Re-rankers", "Re-rankers are cross-encoder sequence classification models with a single class that "
         "score the similarity between a query and a text. Deploy `--model-id BAAI/bge-reranker-v2-m3` and call "
         "`/rerank` with `{\"query\": ..., \"texts\": [...]}`."),
        ("Batching", "Dynamic batching and token-based batching keep latency low under load; `--max-batch-tokens` "
         "bounds the batch size."),
    )),
    DocPage("inference-providers", "index", "Inference Providers", (
        ("OpenAI-compatible API", "Use the router at https://router.huggingface.co/v1 with the OpenAI client and "
         "your Hugging Face token; model ids look like `openai/gpt-oss-120b:cerebras`."),
        ("Billing", "Requests are billed to the user or to an organization with the `X-HF-Bill-To` header."),
    )),
)


def search_docs(query: str, product: str | None, base_url: str, limit: int = 10) -> list[dict]:
    """Rank section chunks by query-term overlap (the shape of ``GET /api/docs/search``)."""
    terms = [t for t in query.lower().replace("-", " ").replace("_", " ").split() if len(t) > 1]
    scored = []
    for page in DOCS:
        if product and page.product != product:
            continue
        for heading, text in page.sections:
            haystack = f"{page.title} {heading} {text}".lower().replace("_", " ").replace("-", " ")
            score = sum(haystack.count(t) for t in terms)
            if score and all(t in haystack for t in terms[:1]):
                scored.append((score, page, heading, text))
    scored.sort(key=lambda s: (-s[0], s[1].path))
    return [{"text": text, "product": page.product, "heading1": page.title, "heading2": heading,
             "source_page_url": f"{base_url}{page.path}#{heading.lower().replace(' ', '-')}",
             "source_page_title": page.title} for _, page, heading, text in scored[:limit]]
