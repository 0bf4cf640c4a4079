"""Papers: classic arXiv papers (search, details, text by section) and a recent daily-papers feed.

The paper text is served as the paper page's markdown at ``{hub}/papers/{id}.md`` — the path
``HfApi.read_paper`` reads — with ``## `` section headings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .research_repos import det


@dataclass
class Paper:
    id: str
    title: str
    authors: list[str]
    published: str  # YYYY-MM-DD
    summary: str
    keywords: list[str]
    sections: dict[str, str]
    org: str | None = None
    github: str | None = None
    project_page: str | None = None
    models: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    daily: str | None = None  # submittedOnDailyAt day, for the daily feed
    submitted_by: str | None = None

    @property
    def upvotes(self) -> int:
        return det(self.id + "up", 5, 900)

    @property
    def comments(self) -> int:
        return det(self.id + "cm", 0, 25)

    @property
    def github_stars(self) -> int | None:
        return det(self.id + "gh", 50, 40_000) if self.github else None


def _generic(summary: str, method: str, results: str) -> dict[str, str]:
    return {"Abstract": summary, "1 Introduction": f"{summary.split('. ')[0]}. We motivate the problem and "
            "position the work against prior approaches.", "2 Method": method, "3 Experiments": results,
            "4 Conclusion": "We summarise the findings and discuss limitations and future work."}


PAPERS: list[Paper] = [
    Paper("1706.03762", "Attention Is All You Need",
          ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
          "2017-06-12", "The Transformer is a sequence transduction model based solely on attention mechanisms, "
          "dispensing with recurrence and convolutions entirely. It reaches 28.4 BLEU on WMT 2014 English-German.",
          ["transformer", "attention", "machine translation"], _generic(
              "The Transformer is a sequence transduction model based solely on attention mechanisms.",
              "Scaled dot-product attention computes softmax(QK^T / sqrt(d_k)) V. Multi-head attention runs h=8 "
              "attention functions in parallel. Sinusoidal positional encodings inject token order.",
              "On WMT 2014 English-German the big model reaches 28.4 BLEU, training in 3.5 days on 8 P100 GPUs.")),
    Paper("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
          ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"], "2018-10-11",
          "BERT pre-trains deep bidirectional representations by jointly conditioning on left and right context, "
          "then fine-tunes with one additional output layer.", ["bert", "masked language modeling", "pretraining"],
          _generic("BERT pre-trains deep bidirectional representations from unlabeled text.",
                   "Masked language modeling masks 15% of input tokens and predicts them; next sentence prediction "
                   "teaches sentence relationships.", "BERT sets new results on eleven NLP tasks including GLUE and "
                   "SQuAD."), models=["google-bert/bert-base-uncased"]),
    Paper("2106.09685", "LoRA: Low-Rank Adaptation of Large Language Models",
          ["Edward J. Hu", "Yelong Shen", "Phillip Wallis", "Zeyuan Allen-Zhu"], "2021-06-17",
          "LoRA freezes pretrained weights and injects trainable rank decomposition matrices into each layer, "
          "reducing trainable parameters by 10,000x and GPU memory by 3x for GPT-3 175B, with no added inference "
          "latency.", ["lora", "parameter-efficient fine-tuning", "peft"],
          {"Abstract": "LoRA freezes the pretrained model weights and injects trainable rank decomposition matrices "
                       "into each layer of the Transformer architecture.",
           "1 Introduction": "Full fine-tuning retrains all parameters, which is prohibitive for very large models.",
           "4 Our Method": "For a weight W0 in R^{d x k}, LoRA learns the update as W0 + (alpha / r) B A with "
                           "B in R^{d x r}, A in R^{r x k} and rank r << min(d, k). A is initialised with a random "
                           "Gaussian and B with zeros, so the update starts at zero. Only A and B are trained; the "
                           "product can be merged into W0 for deployment, adding no inference latency.",
           "5 Empirical Experiments": "Adapting only the attention weights W_q and W_v with r as small as 1-8 "
                                      "matches or exceeds full fine-tuning on GLUE, E2E NLG and GPT-3 tasks.",
           "7 Understanding the Low-Rank Updates": "The learned update has a very low intrinsic rank and amplifies "
                                                    "directions not emphasised in W0.",
           "8 Conclusion": "LoRA is an efficient adaptation strategy that keeps quality while enabling quick "
                           "task switching."},
          github="https://github.com/microsoft/LoRA"),
    Paper("2305.14314", "QLoRA: Efficient Finetuning of Quantized LLMs",
          ["Tim Dettmers", "Artidoro Pagnoni", "Ari Holtzman", "Luke Zettlemoyer"], "2023-05-23",
          "QLoRA backpropagates through a frozen 4-bit quantized model into LoRA adapters, fine-tuning a 65B model "
          "on a single 48GB GPU while preserving 16-bit fine-tuning performance.", ["qlora", "quantization", "lora"],
          {"Abstract": "QLoRA reduces memory enough to finetune a 65B parameter model on a single 48GB GPU.",
           "1 Introduction": "Finetuning large models is expensive; quantization has so far only helped inference.",
           "3 QLoRA Finetuning": "QLoRA introduces 4-bit NormalFloat (NF4), an information-theoretically optimal "
                                 "data type for normally distributed weights; double quantization, which quantizes "
                                 "the quantization constants; and paged optimizers to absorb memory spikes.",
           "5 Results": "Guanaco models trained with QLoRA reach 99.3% of ChatGPT's performance on the Vicuna "
                        "benchmark after 24 hours on one GPU.",
           "6 Conclusion": "4-bit QLoRA matches 16-bit full finetuning and LoRA performance."},
          github="https://github.com/artidoro/qlora"),
    Paper("2305.18290", "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
          ["Rafael Rafailov", "Archit Sharma", "Eric Mitchell", "Stefano Ermon", "Christopher D. Manning",
           "Chelsea Finn"], "2023-05-29",
          "DPO optimises a policy directly from preference data with a simple classification loss, without fitting "
          "a reward model or sampling during training, matching or beating PPO-based RLHF.",
          ["dpo", "preference optimization", "rlhf", "alignment"],
          {"Abstract": "DPO solves the standard RLHF problem with only a simple classification loss.",
           "1 Introduction": "RLHF fits a reward model and then optimises it with RL, which is complex and unstable.",
           "4 Direct Preference Optimization": "Given prompt x, preferred y_w and dispreferred y_l, DPO minimises "
                                               "-log sigmoid(beta * (log pi(y_w|x)/pi_ref(y_w|x) - log "
                                               "pi(y_l|x)/pi_ref(y_l|x))). beta controls deviation from the "
                                               "reference policy (0.1 is a common choice). Data must be preference "
                                               "pairs: prompt, chosen and rejected.",
           "6 Experiments": "On sentiment control, summarization (TL;DR) and single-turn dialogue (Anthropic HH), "
                            "DPO matches or exceeds PPO while being much simpler to implement.",
           "7 Discussion": "DPO is stable, performant and computationally lightweight."},
          datasets=["Anthropic/hh-rlhf", "trl-lib/tldr"]),
    Paper("2402.03300", "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models",
          ["Zhihong Shao", "Peiyi Wang", "Qihao Zhu", "Runxin Xu"], "2024-02-05",
          "DeepSeekMath 7B reaches 51.7% on MATH. It introduces Group Relative Policy Optimization (GRPO), a PPO "
          "variant that estimates the baseline from group scores instead of a critic, saving memory.",
          ["grpo", "reinforcement learning", "math reasoning"],
          {"Abstract": "We introduce GRPO, a variant of PPO that foregoes the critic model.",
           "1 Introduction": "Mathematical reasoning is challenging; we pretrain on 120B math tokens.",
           "4 Reinforcement Learning": "Group Relative Policy Optimization samples a group of G outputs for each "
                                       "question, scores them with a reward model or rule, and uses the "
                                       "normalised reward (r_i - mean(r)) / std(r) as the advantage of every token "
                                       "of output i. A KL penalty to the reference model is added directly to the "
                                       "loss. No value model is trained, which cuts memory substantially.",
           "5 Results": "RL with GRPO improves GSM8K from 82.9% to 88.2% and MATH from 46.8% to 51.7%.",
           "6 Conclusion": "Data quality and GRPO both matter for math reasoning."},
          org="deepseek-ai", datasets=["openai/gsm8k"]),
    Paper("2501.12948", "DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning",
          ["DeepSeek-AI"], "2025-01-22",
          "DeepSeek-R1-Zero is trained with large-scale RL (GRPO) without supervised fine-tuning and develops "
          "reasoning behaviours; DeepSeek-R1 adds cold-start data and multi-stage training, and is distilled into "
          "smaller Qwen and Llama models.", ["reasoning", "grpo", "distillation"],
          {"Abstract": "We introduce DeepSeek-R1-Zero and DeepSeek-R1, first-generation reasoning models.",
           "1 Introduction": "Post-training can improve reasoning at a fraction of pretraining cost.",
           "2 Approach": "R1-Zero applies GRPO to the base model with rule-based rewards: an accuracy reward "
                         "(verifiable answers, tests for code) and a format reward for <think> tags. R1 adds a "
                         "cold start of long chain-of-thought data, reasoning-oriented RL, rejection sampling and "
                         "SFT, then RL for all scenarios.",
           "3 Experiment": "DeepSeek-R1 reaches 79.8% pass@1 on AIME 2024 and 97.3% on MATH-500. Distilled 7B to "
                           "70B models outperform much larger non-reasoning models.",
           "5 Conclusion": "Distillation from a strong reasoner beats RL on small models."},
          org="deepseek-ai", models=["deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"],
          github="https://github.com/deepseek-ai/DeepSeek-R1"),
    Paper("2203.02155", "Training language models to follow instructions with human feedback",
          ["Long Ouyang", "Jeff Wu", "Xu Jiang", "Diogo Almeida"], "2022-03-04",
          "InstructGPT fine-tunes GPT-3 with supervised demonstrations, trains a reward model on rankings, and "
          "optimises it with PPO; the 1.3B InstructGPT is preferred to the 175B GPT-3.",
          ["rlhf", "ppo", "instruction following"], _generic(
              "InstructGPT aligns language models with user intent using human feedback.",
              "Three steps: supervised fine-tuning on demonstrations, reward model training on ranked comparisons, "
              "and PPO against the reward model with a KL penalty.",
              "Labelers prefer 1.3B InstructGPT outputs over 175B GPT-3 outputs.")),
    Paper("2204.05862", "Training a Helpful and Harmless Assistant with Reinforcement Learning from Human Feedback",
          ["Yuntao Bai", "Andy Jones", "Kamal Ndousse"], "2022-04-12",
          "We apply preference modeling and RLHF to finetune language models to act as helpful and harmless "
          "assistants, releasing the HH-RLHF preference dataset.", ["rlhf", "preference data", "harmlessness"],
          _generic("We finetune language models to act as helpful and harmless assistants.",
                   "Crowdworkers compare two model responses; preference models are trained on the comparisons and "
                   "used as RL rewards.", "Alignment training improves performance on almost all NLP evaluations."),
          org="Anthropic", datasets=["Anthropic/hh-rlhf"]),
    Paper("2310.16944", "Zephyr: Direct Distillation of LM Alignment",
          ["Lewis Tunstall", "Edward Beeching", "Nathan Lambert", "Nazneen Rajani"], "2023-10-25",
          "Zephyr-7B is aligned with distilled supervised fine-tuning on UltraChat and distilled DPO on "
          "UltraFeedback AI preferences, without human annotation.", ["dpo", "distillation", "alignment"],
          _generic("We aim to produce a smaller language model that is aligned to user intent.",
                   "dSFT on the UltraChat dataset, then dDPO on UltraFeedback preference pairs ranked by GPT-4.",
                   "Zephyr-7B sets a new state of the art on MT-Bench among 7B chat models."),
          org="HuggingFaceH4", datasets=["HuggingFaceH4/ultrachat_200k", "HuggingFaceH4/ultrafeedback_binarized"],
          github="https://github.com/huggingface/alignment-handbook"),
    Paper("2305.14233", "Enhancing Chat Language Models by Scaling High-quality Instructional Conversations",
          ["Ning Ding", "Yulin Chen", "Bokai Xu"], "2023-05-23",
          "UltraChat is a 1.5M multi-turn instructional conversation dataset generated without human queries; "
          "UltraLM fine-tuned on it outperforms other open chat models.", ["ultrachat", "synthetic data", "chat"],
          _generic("We present UltraChat, a large-scale dataset of instructional conversations.",
                   "Two ChatGPT instances role-play user and assistant over diverse topics and writing tasks.",
                   "UltraLM ranks first among open-source models on several chat benchmarks."),
          datasets=["HuggingFaceH4/ultrachat_200k"]),
    Paper("2406.17557", "The FineWeb Datasets: Decanting the Web for the Finest Text Data at Scale",
          ["Guilherme Penedo", "Hynek Kydlíček", "Loubna Ben Allal"], "2024-06-25",
          "FineWeb is a 15T-token dataset from 96 Common Crawl snapshots; FineWeb-Edu filters it for educational "
          "content with a classifier and improves knowledge and reasoning benchmarks.",
          ["pretraining data", "fineweb", "data filtering"], _generic(
              "We introduce FineWeb, a 15-trillion token dataset derived from Common Crawl.",
              "Ablations guide extraction, deduplication (MinHash per snapshot) and heuristic filters; an "
              "educational-quality classifier built from Llama-3-70B annotations yields FineWeb-Edu.",
              "Models trained on FineWeb-Edu improve MMLU and ARC markedly over other open web datasets."),
          org="HuggingFaceFW", datasets=["HuggingFaceFW/fineweb", "HuggingFaceFW/fineweb-edu"]),
    Paper("2505.09388", "Qwen3 Technical Report", ["An Yang", "Anfeng Li", "Baosong Yang"], "2025-05-14",
          "Qwen3 unifies thinking and non-thinking modes in dense and MoE models from 0.6B to 235B parameters, "
          "with a thinking budget to trade latency for quality.", ["qwen3", "llm", "reasoning"], _generic(
              "We present Qwen3, the latest version of the Qwen model family.",
              "Pretraining on 36T tokens in 119 languages, then four-stage post-training: long-CoT cold start, "
              "reasoning RL, thinking-mode fusion and general RL; smaller models are distilled.",
              "Qwen3-235B-A22B is competitive with leading proprietary models on code, math and agent tasks."),
          org="Qwen", models=["Qwen/Qwen3-0.6B", "Qwen/Qwen3-8B"]),
    Paper("2402.03216", "BGE M3-Embedding: Multi-Lingual, Multi-Functionality, Multi-Granularity Text Embeddings "
                        "Through Self-Knowledge Distillation", ["Jianlv Chen", "Shitao Xiao", "Peitian Zhang"],
          "2024-02-05", "M3-Embedding supports 100+ languages, dense, sparse and multi-vector retrieval, and inputs "
          "up to 8192 tokens.", ["embeddings", "retrieval", "multilingual"], _generic(
              "M3-Embedding is versatile in multi-linguality, multi-functionality and multi-granularity.",
              "Self-knowledge distillation combines relevance scores of the three retrieval functions as a teacher.",
              "State-of-the-art results on MIRACL and MKQA multilingual retrieval."),
          org="BAAI", models=["BAAI/bge-m3"]),
    Paper("2212.04356", "Robust Speech Recognition via Large-Scale Weak Supervision",
          ["Alec Radford", "Jong Wook Kim", "Tao Xu"], "2022-12-06",
          "Whisper is trained on 680,000 hours of multilingual, multitask weak supervision and generalises to "
          "standard benchmarks zero-shot.", ["speech recognition", "asr", "weak supervision"], _generic(
              "We study speech processing systems trained to predict transcripts of large amounts of audio.",
              "An encoder-decoder Transformer on 30-second log-Mel spectrograms, with task tokens for "
              "transcription, translation and timestamps.",
              "Zero-shot Whisper approaches human robustness across datasets."),
          org="openai", models=["openai/whisper-large-v3-turbo", "openai/whisper-small"]),
    Paper("1910.01108", "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter",
          ["Victor Sanh", "Lysandre Debut", "Julien Chaumond", "Thomas Wolf"], "2019-10-02",
          "DistilBERT is 40% smaller and 60% faster than BERT while retaining 97% of its language understanding.",
          ["distillation", "bert", "compression"], _generic(
              "We pre-train a smaller general-purpose language representation model, DistilBERT.",
              "A triple loss combines language modeling, distillation and cosine-distance losses.",
              "DistilBERT retains 97% of BERT's GLUE performance."),
          org="huggingface", models=["distilbert/distilbert-base-uncased"]),
    Paper("2403.07691", "ORPO: Monolithic Preference Optimization without Reference Model",
          ["Jiwoo Hong", "Noah Lee", "James Thorne"], "2024-03-12",
          "ORPO adds an odds-ratio penalty to the SFT loss so that preference alignment happens in a single stage "
          "without a reference model.", ["orpo", "preference optimization", "alignment"], _generic(
              "ORPO is a reference model-free monolithic odds ratio preference optimization algorithm.",
              "The loss is NLL on the chosen response plus lambda times -log sigmoid(log odds(y_w|x) - log "
              "odds(y_l|x)); it uses preference pairs (prompt, chosen, rejected).",
              "Mistral-ORPO models surpass larger chat models on AlpacaEval 2.0 and MT-Bench.")),
    Paper("2402.01306", "KTO: Model Alignment as Prospect Theoretic Optimization",
          ["Kawin Ethayarajh", "Winnie Xu", "Niklas Muennighoff", "Dan Jurafsky", "Douwe Kiela"], "2024-02-02",
          "KTO aligns models from a binary signal of whether an output is desirable, using a prospect-theoretic "
          "utility, and matches DPO without paired preferences.", ["kto", "alignment", "unpaired preferences"],
          _generic("KTO maximises the utility of generations directly from binary feedback.",
                   "Each example is (prompt, completion, label) where label marks desirable or undesirable; "
                   "losses are weighted separately for the two classes.",
                   "KTO matches or exceeds DPO from 1B to 30B parameters."), datasets=["trl-lib/kto-mix-14k"]),
    Paper("2502.02737", "SmolLM2: When Smol Goes Big -- Data-Centric Training of a Small Language Model",
          ["Loubna Ben Allal", "Anton Lozhkov", "Elie Bakouch"], "2025-02-04",
          "SmolLM2 is a 1.7B model trained on 11T tokens with a multi-stage data mixture including new math and "
          "code datasets.", ["small language models", "data mixture"], _generic(
              "We train SmolLM2, a state-of-the-art small language model.",
              "Multi-stage training with manual rebalancing of web, math, code and instruction data.",
              "SmolLM2 outperforms Qwen2.5-1.5B and Llama3.2-1B on several benchmarks."),
          org="HuggingFaceTB", models=["HuggingFaceTB/SmolLM2-1.7B-Instruct"],
          datasets=["HuggingFaceTB/smoltalk"]),
    Paper("2205.14135", "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
          ["Tri Dao", "Daniel Y. Fu", "Stefano Ermon", "Atri Rudra", "Christopher Ré"], "2022-05-27",
          "FlashAttention is an IO-aware exact attention algorithm that tiles computation to reduce HBM reads and "
          "writes, speeding up training and enabling longer context.", ["attention", "efficiency", "gpu kernels"],
          _generic("We propose FlashAttention, an IO-aware exact attention algorithm.",
                   "Tiling and recomputation keep attention blocks in on-chip SRAM and never materialise the full "
                   "attention matrix.", "15% end-to-end speedup on BERT-large and 3x on GPT-2."),
          github="https://github.com/Dao-AILab/flash-attention"),
    Paper("2309.06180", "Efficient Memory Management for Large Language Model Serving with PagedAttention",
          ["Woosuk Kwon", "Zhuohan Li", "Siyuan Zhuang"], "2023-09-12",
          "vLLM uses PagedAttention, inspired by virtual memory paging, to manage the KV cache with near-zero "
          "waste, improving serving throughput 2-4x.", ["inference", "serving", "kv cache"], _generic(
              "PagedAttention stores the KV cache in non-contiguous blocks.",
              "A block table maps logical KV blocks to physical ones, enabling sharing across sequences.",
              "vLLM improves throughput by 2-4x over prior systems at the same latency."),
          github="https://github.com/vllm-project/vllm"),
    Paper("2310.06825", "Mistral 7B", ["Albert Q. Jiang", "Alexandre Sablayrolles", "Arthur Mensch"], "2023-10-10",
          "Mistral 7B outperforms Llama 2 13B on all evaluated benchmarks using grouped-query attention and "
          "sliding window attention.", ["llm", "mistral", "efficient attention"], _generic(
              "We introduce Mistral 7B, a 7-billion-parameter language model.",
              "Grouped-query attention speeds up inference; sliding window attention handles long sequences at "
              "reduced cost.", "Mistral 7B beats Llama 2 13B across benchmarks."),
          org="mistralai", models=["mistralai/Mistral-7B-Instruct-v0.3"]),
    Paper("2407.21783", "The Llama 3 Herd of Models", ["Aaron Grattafiori", "Abhimanyu Dubey", "Abhinav Jauhri"],
          "2024-07-31", "Llama 3 is a herd of models up to 405B parameters with 128K context, supporting "
          "multilinguality, coding, reasoning and tool use.", ["llama", "llm", "foundation models"], _generic(
              "We present Llama 3, a new set of foundation models.",
              "A dense Transformer trained on 15T tokens; post-training with SFT, rejection sampling and DPO.",
              "Llama 3 405B is comparable to leading models on many tasks."),
          org="meta-llama", models=["meta-llama/Llama-3.1-8B-Instruct"]),
    # Diffusion language models (the seed's "diffusion LMs for text generation" research task).
    Paper("2502.09992", "Large Language Diffusion Models",
          ["Shen Nie", "Fengqi Zhu", "Zebin You", "Xiaolu Zhang", "Jingyang Ou", "Jun Hu", "Jun Zhou", "Yankai Lin",
           "Ji-Rong Wen", "Chongxuan Li"], "2025-02-14",
          "LLaDA is a diffusion language model trained from scratch under the pre-training and supervised "
          "fine-tuning paradigm: a forward process masks tokens and a Transformer predicts them, giving a principled "
          "likelihood bound. LLaDA 8B is competitive with LLaMA3 8B in in-context learning and instruction following "
          "and addresses the reversal curse.",
          ["diffusion language models", "masked diffusion", "text generation", "llada"], _generic(
              "LLaDA shows that diffusion models are a viable alternative to autoregressive language models.",
              "A masked diffusion model: tokens are masked independently with a ratio t ~ U[0, 1]; a bidirectional "
              "Transformer predicts all masked tokens; sampling denoises from a fully masked sequence with "
              "low-confidence remasking.",
              "LLaDA 8B Base rivals LLaMA3 8B on MMLU and GSM8K; after SFT it follows multi-turn instructions and "
              "beats GPT-4o on a reversal poem-completion task."),
          org="GSAI-ML", github="https://github.com/ML-GSAI/LLaDA",
          models=["GSAI-ML/LLaDA-8B-Instruct", "GSAI-ML/LLaDA-8B-Base"]),
    Paper("2508.15487", "Dream 7B: Diffusion Large Language Models",
          ["Jiacheng Ye", "Zhihui Xie", "Lin Zheng", "Jiahui Gao", "Zirui Wu", "Xin Jiang", "Zhenguo Li",
           "Lingpeng Kong"], "2025-08-21",
          "Dream 7B is a diffusion language model initialised from an autoregressive model (Qwen2.5 7B) with "
          "context-adaptive token-level noise rescheduling; it matches autoregressive models of its size on general, "
          "math and coding tasks and allows flexible, any-order and infilling generation with a quality-speed "
          "trade-off through the number of diffusion steps.",
          ["diffusion language models", "text generation", "dream", "infilling"], _generic(
              "Dream 7B is an open diffusion large language model.",
              "Initialisation from autoregressive weights and context-adaptive token-level noise rescheduling.",
              "Dream 7B matches or beats autoregressive models of similar size on general, math and code benchmarks; "
              "fewer diffusion steps trade quality for speed."),
          org="Dream-org", models=["Dream-org/Dream-v0-Instruct-7B"]),
    # Sparse autoencoders for mechanistic interpretability (the seed's "SAE frontier" research task).
    Paper("2309.08600", "Sparse Autoencoders Find Highly Interpretable Features in Language Models",
          ["Hoagy Cunningham", "Aidan Ewart", "Logan Riggs", "Robert Huben", "Lee Sharkey"], "2023-09-15",
          "Sparse autoencoders trained on the residual stream of Pythia models learn a dictionary of features that "
          "are more interpretable and monosemantic than neurons, addressing superposition; the features localise "
          "model behaviour on the indirect object identification task.",
          ["sparse autoencoders", "mechanistic interpretability", "superposition", "dictionary learning"],
          {"Abstract": "We use sparse autoencoders to reconstruct the internal activations of a language model and "
                       "find features that are more interpretable than neurons.",
           "1 Introduction": "Polysemantic neurons are explained by superposition: a model represents more features "
                             "than it has dimensions, as non-orthogonal directions in activation space.",
           "2 Taking Features out of Superposition with Sparse Dictionary Learning": "An autoencoder with a "
               "hidden layer wider than the input is trained to reconstruct activations with an L1 penalty on its "
               "hidden activations; the decoder's rows form an overcomplete dictionary of feature directions.",
           "3 Interpretability at Scale": "Automated interpretability scores are higher for dictionary features "
                                          "than for neurons, PCA or ICA directions.",
           "6 Conclusion": "Sparse dictionary learning is a scalable, unsupervised way to resolve superposition; "
                           "reconstruction loss remains a limitation."},
          github="https://github.com/HoagyC/sparse_coding"),
    Paper("2403.19647", "Sparse Feature Circuits: Discovering and Editing Interpretable Causal Graphs in Language "
                        "Models", ["Samuel Marks", "Can Rager", "Eric J. Michaud", "Yonatan Belinkov", "David Bau",
                                   "Aaron Mueller"], "2024-03-28",
          "Sparse feature circuits are causal subnetworks of fine-grained features discovered with sparse "
          "autoencoders; they explain model behaviour and allow editing it, e.g. removing a classifier's reliance "
          "on unintended signals (SHIFT).",
          ["sparse autoencoders", "circuits", "mechanistic interpretability"], _generic(
              "We discover and apply sparse feature circuits, causally implicated subnetworks of interpretable "
              "features.",
              "Linear approximations (attribution patching) estimate each SAE feature's indirect effect on a "
              "metric; nodes and edges above a threshold form the circuit, with SAE errors kept as nodes.",
              "Circuits of a few hundred features explain subject-verb agreement; SHIFT ablates features judged "
              "task-irrelevant to remove a gender bias from a probe."),
          github="https://github.com/saprmarks/feature-circuits"),
    Paper("2406.04093", "Scaling and evaluating sparse autoencoders",
          ["Leo Gao", "Tom Dupré la Tour", "Henk Tillman", "Gabriel Goh", "Rajan Troll", "Alec Radford",
           "Ilya Sutskever", "Jan Leike", "Jeffrey Wu"], "2024-06-06",
          "k-sparse (TopK) autoencoders directly control sparsity, simplify tuning and nearly eliminate dead "
          "latents; clean scaling laws with autoencoder size and sparsity let us train a 16 million latent sparse "
          "autoencoder on GPT-4 activations, with new metrics for feature quality.",
          ["sparse autoencoders", "scaling laws", "topk", "mechanistic interpretability"],
          {"Abstract": "We train TopK sparse autoencoders with up to 16 million latents on GPT-4 activations.",
           "1 Introduction": "Sparse autoencoders are a promising unsupervised approach to extracting interpretable "
                             "features, but are hard to train at scale because of dead latents and shrinkage.",
           "2 Methods": "A TopK activation keeps only the k largest latents, replacing the L1 penalty; tied "
                        "initialisation and an auxiliary loss on dead latents keep almost all latents alive.",
           "3 Scaling laws": "Reconstruction MSE follows power laws in the number of latents n and the sparsity k; "
                             "larger autoencoders need more tokens to converge.",
           "4 Evaluation": "Beyond MSE: downstream loss when the reconstruction is spliced back, probe loss on "
                           "known features, explainability of activations, and ablation sparsity.",
           "6 Limitations and Future Directions": "Many latents remain hard to interpret; the autoencoder still "
               "misses features (the downstream loss gap persists), and it is unclear whether the learned "
               "features are the model's own units of computation."},
          org="openai", github="https://github.com/openai/sparse_autoencoder"),
    Paper("2407.14435", "Jumping Ahead: Improving Reconstruction Fidelity with JumpReLU Sparse Autoencoders",
          ["Senthooran Rajamanoharan", "Tom Lieberum", "Nicolas Sonnerat", "Arthur Conmy", "Vikrant Varma",
           "János Kramár", "Neel Nanda"], "2024-07-19",
          "JumpReLU sparse autoencoders replace ReLU with a discontinuous JumpReLU activation and train an L0 "
          "sparsity penalty with straight-through estimators, reaching state-of-the-art reconstruction fidelity "
          "at a given sparsity on Gemma 2 9B activations.",
          ["sparse autoencoders", "jumprelu", "mechanistic interpretability"], _generic(
              "JumpReLU SAEs achieve state-of-the-art reconstruction fidelity at a given sparsity level.",
              "The JumpReLU activation zeroes pre-activations below a learned per-latent threshold; straight-"
              "through estimators of the threshold gradient let the L0 norm be trained directly.",
              "On Gemma 2 9B, JumpReLU matches or beats Gated and TopK SAEs in fidelity at equal L0, with "
              "similar interpretability in blinded human studies."),
          org="google"),
    Paper("2408.05147", "Gemma Scope: Open Sparse Autoencoders Everywhere All At Once on Gemma 2",
          ["Tom Lieberum", "Senthooran Rajamanoharan", "Arthur Conmy", "Lewis Smith", "Nicolas Sonnerat",
           "Vikrant Varma", "János Kramár", "Anca Dragan", "Rohin Shah", "Neel Nanda"], "2024-08-09",
          "Gemma Scope is an open suite of JumpReLU sparse autoencoders trained on every layer and sub-layer of "
          "Gemma 2 2B and 9B and select layers of 27B, released to make interpretability research on open models "
          "cheaper.", ["sparse autoencoders", "gemma", "open release", "mechanistic interpretability"],
          {"Abstract": "We release Gemma Scope, over 400 sparse autoencoders with more than 30 million learned "
                       "features.",
           "1 Introduction": "Training comprehensive SAE suites is expensive; an open suite lets the community study "
                             "circuits, steering and evaluation without that cost.",
           "3 Training details": "JumpReLU SAEs on residual stream, MLP and attention outputs, widths 16K to 1M "
                                 "latents, several sparsity levels per site.",
           "4 Evaluation": "Delta loss, fraction of variance unexplained and interpretability are reported per "
                           "layer, width and L0.",
           "6 Open problems": "Open problems include whether SAEs find the model's true features, feature "
                              "splitting and absorption across widths, and turning features into reliable tools "
                              "for downstream tasks such as probing and steering."},
          org="google", project_page="https://huggingface.co/google/gemma-scope"),
    Paper("2503.09532", "SAEBench: A Comprehensive Benchmark for Sparse Autoencoders in Language Model "
                        "Interpretability", ["Adam Karvonen", "Can Rager", "Johnny Lin", "Curt Tigges",
                                             "Joseph Bloom", "David Chanin", "Neel Nanda"], "2025-03-12",
          "SAEBench evaluates sparse autoencoders on eight metrics spanning interpretability, feature "
          "disentanglement and practical uses such as unlearning and probing, and finds that proxy metrics like "
          "reconstruction do not reliably predict practical performance.",
          ["sparse autoencoders", "benchmark", "evaluation", "mechanistic interpretability"], _generic(
              "We introduce SAEBench, a benchmark of sparse autoencoders across diverse metrics.",
              "Over 200 SAEs of eight architectures are scored on automated interpretability, feature absorption, "
              "spurious correlation removal, targeted probe perturbation, sparse probing and unlearning.",
              "Gains on the sparsity-fidelity frontier do not translate into gains on practical metrics; Matryoshka "
              "SAEs reduce feature absorption."),
          github="https://github.com/adamkarvonen/SAEBench"),
]

_DAILY_TITLES = [
    ("Group Relative Policy Optimization at Scale: Lessons from 1,000 Runs", ["grpo", "rl", "ablation"]),
    ("Training Small Tool-Using Agents with Verifiable Rewards", ["agents", "tool use", "rl"]),
    ("Sparse LoRA: Token-Efficient Long-Context Fine-Tuning", ["lora", "long context", "peft"]),
    ("When Does DPO Overfit? Preference Data Size and Quality", ["dpo", "preference data", "overfitting"]),
    ("FineWeb-Edu 2: Educational Filtering Across 50 Languages", ["pretraining data", "multilingual"]),
    ("Speculative Decoding for Diffusion Language Models", ["inference", "diffusion lm"]),
    ("Rewarding Reasoning Without Verifiers", ["reward models", "reasoning"]),
    ("ChartQA-Hard: Can Vision-Language Models Read Charts?", ["vlm", "benchmark"]),
    ("Quantization-Aware GRPO for On-Device Reasoning", ["quantization", "grpo", "edge"]),
    ("Data Mixing Laws for Post-Training", ["data mixture", "post-training", "scaling laws"]),
    ("Lightweight Experiment Tracking for Open Machine Learning", ["experiment tracking", "tooling"]),
    ("Evaluating Code Agents on Real Hub Repositories", ["agents", "code", "benchmark"]),
    ("Multilingual Speech Translation with 1B Parameters", ["speech", "translation"]),
    ("Self-Distillation Improves Small Embedding Models", ["embeddings", "distillation"]),
]
_DAILY_ORGS = ["huggingface", "Qwen", "HuggingFaceTB", None, "google", "open-r1", None, "meta-llama"]


def daily_papers(submitters: list[str]) -> list[Paper]:
    """A recent daily-papers feed (June 2026), newest first."""
    out = []
    for i, (title, keywords) in enumerate(_DAILY_TITLES):
        day = f"2026-06-{22 - i:02d}"
        paper_id = f"2606.{10_000 + det(title, 0, 89_999):05d}"
        authors = [submitters[(i * 5 + k) % len(submitters)].replace("-", " ").title() for k in range(3)]
        summary = (f"We study {keywords[0]} and report {title.split(':')[0].lower()}. Our experiments on open "
                   f"models show consistent gains and we release code and data.")
        out.append(Paper(paper_id, title, authors, day, summary, keywords, _generic(
            summary, f"We describe the method for {keywords[0]} in detail, including data, objective and "
                     "training setup.", "Results on standard benchmarks with ablations."),
            org=_DAILY_ORGS[i % len(_DAILY_ORGS)], github=f"https://github.com/example/{paper_id}" if i % 2 == 0
            else None, project_page=f"https://example.org/{paper_id}" if i % 3 == 0 else None, daily=day,
            submitted_by=submitters[i % len(submitters)]))
    return out


def paper_markdown(paper: Paper) -> str:
    lines = [f"# {paper.title}", "", f"Authors: {', '.join(paper.authors)}", f"Published: {paper.published}",
             f"arXiv: https://arxiv.org/abs/{paper.id}", ""]
    for heading, text in paper.sections.items():
        lines += [f"## {heading}", "", text, ""]
    return "\n".join(lines)
