"""Process settings, read once at start from ``ML_INTERN_*`` environment variables."""

from __future__ import annotations

from typing import Literal

import httpx
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "moonshotai/Kimi-K2.6:novita"
SUPPORTED_MODELS = (
    "moonshotai/Kimi-K2.6:novita",
    "moonshotai/Kimi-K2.6:together",
    "Qwen/Qwen3-Coder-480B-A35B-Instruct:novita",
    "openai/gpt-oss-120b:cerebras",
)

# NOTIFY wakes streams following another replica's turn at once, so their store poll is only a safety net.
LISTENING_STORE_POLL_SECONDS = 5.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ML_INTERN_", frozen=True)

    # Where state lives. SQLite in a file by default; a postgresql:// URL for multi-replica deployments.
    database_url: str = "sqlite:///./var/ml_intern.db"

    # Hugging Face hosts. Passed explicitly to every client: the server never reads HF_ENDPOINT or HF_TOKEN.
    hub_url: str = "https://huggingface.co"
    router_url: str = "https://router.huggingface.co/v1"
    datasets_server_url: str = "https://datasets-server.huggingface.co"
    # A Space's own host, where the agent's sandbox answers: ``{subdomain}`` is the Space id's host form
    # (``alice/my-box`` -> ``alice-my-box``). The emulator serves it on loopback.
    spaces_url_template: str = "https://{subdomain}.hf.space"

    # The agent's sandbox (a private Docker Space per session; see agent/tools/sandbox/).
    sandbox_sleep_seconds: int = Field(1800, ge=300, le=48 * 3600)   # paid hardware sleeps after this idle time
    sandbox_start_timeout_seconds: float = Field(900.0, gt=0)          # building and starting, at most

    default_model: str = DEFAULT_MODEL
    supported_models: tuple[str, ...] = SUPPORTED_MODELS

    # Limits (design §4). Live = a turn queued or running.
    max_live_sessions_per_account: int = Field(10, ge=1)
    max_live_sessions_global: int = Field(200, ge=1)
    # The Retry-After of a 429 server_at_capacity: long enough for some turn to end, short enough for a client
    # (both openai SDKs honour it) to try again soon.
    capacity_retry_after_seconds: int = Field(5, ge=1, le=120)
    idle_eviction_seconds: float = Field(900.0, gt=0)
    whoami_cache_seconds: float = Field(300.0, ge=0)
    # How long token validation waits for the Hub before answering 503 hub_unavailable.
    whoami_timeout_seconds: float = Field(15.0, gt=0)

    # The agent loop's bounds.
    max_iterations: int = Field(40, ge=1)
    llm_max_attempts: int = Field(4, ge=1)
    llm_retry_base_delay: float = Field(1.0, ge=0)
    llm_timeout_seconds: float = Field(300.0, gt=0)
    tool_timeout_seconds: float = Field(120.0, gt=0)
    # Output budget sent as max_tokens (None: the provider's default). A thinking model that spends it all on
    # reasoning and answers nothing is retried with a larger one, at most this often, up to the ceiling.
    llm_max_output_tokens: int | None = Field(None, ge=1)
    llm_reasoning_retries: int = Field(2, ge=0, le=5)
    llm_max_output_tokens_ceiling: int = Field(32_768, ge=1)
    # How reasoning goes back to a model family the built-in table (agent/reasoning.py) does not know, or should
    # treat otherwise: {"org/model-prefix": "tool_calls" | "current_turn" | "all_turns" | "never"}.
    reasoning_replay: dict[str, Literal["tool_calls", "current_turn", "all_turns", "never"]] = Field(
        default_factory=dict)

    # Code-mode Hub queries (hub_query): each script runs in a fresh Monty session in a pool of worker processes.
    code_mode_max_sessions: int = Field(16, ge=1, le=256)   # scripts running at once (others queue)
    code_mode_cpu_seconds: float = Field(5.0, gt=0)          # interpreter time per script, Hub calls excluded
    code_mode_wall_seconds: float = Field(60.0, gt=0)        # the whole script, Hub calls included
    code_mode_memory_mb: int = Field(128, ge=16)

    # Text deltas are group-committed: at most this long between a delta and its commit.
    delta_flush_ms: int = Field(15, ge=0)
    # The interpreter's thread switch interval (the process serves one event loop beside the SQLite commit thread).
    # CPython's 5 ms let a loop busy with a burst keep the GIL from a commit: an answer's first delta waited for it.
    gil_switch_interval_ms: float = Field(1.0, gt=0, le=100)
    # A full garbage collection at most once every this many collections of the middle generation (CPython: 10).
    # Each one walks every live object: with 2,000 idle sessions after 300-500 streams, 26 full passes of about
    # 100 ms each stalled every stream in one run of the load harness; 3 at 100.
    gc_full_collection_every: int = Field(100, ge=1, le=10_000)
    # While text streams, the stored response object (what GET returns) is rewritten at most this often; events
    # and status changes are not delayed by it.
    snapshot_interval_ms: int = Field(250, ge=0)
    # SSE keep-alive comment interval.
    sse_keepalive_seconds: float = Field(15.0, gt=0)

    # Turn leases (multi-replica): a replica heartbeats the turns it owns; an expired lease means a dead owner.
    lease_seconds: float = Field(30.0, gt=1)
    # How long a turn waits at a durable step for an unreachable database (a PostgreSQL restart, a failover)
    # before it fails with store_unavailable; streamed output is kept and committed once the database is back.
    store_retry_seconds: float = Field(60.0, gt=0)
    # How often a quiet stream re-reads the store on PostgreSQL while LISTEN is up (1 s otherwise).
    store_poll_seconds: float = Field(LISTENING_STORE_POLL_SECONDS, gt=0)

    # MCP transport security: Host / Origin allow-lists (loopback by default).
    mcp_allowed_hosts: tuple[str, ...] = ("127.0.0.1:*", "localhost:*", "[::1]:*")
    mcp_allowed_origins: tuple[str, ...] = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
    # While an MCP tool waits on a run, a "still working" progress notification after this many quiet seconds.
    mcp_progress_heartbeat_seconds: float = Field(10.0, gt=0)

    log_level: str = "info"
    # "text" or "json" (one object per line with response_id and session_id, for log pipelines).
    log_format: Literal["text", "json"] = "text"
    # uvicorn's per-request access log (off by default: at thousands of requests a second it costs more than
    # serving them; ingress controllers log requests already).
    access_log: bool = False

    @field_validator("spaces_url_template")
    @classmethod
    def _spaces_template(cls, value: str) -> str:
        """http(s), one ``{subdomain}`` in the host or a path segment, nothing else to fill in."""
        probe = value.replace("{subdomain}", "probe-sub", 1)
        if value.count("{subdomain}") != 1 or "{" in probe or "}" in probe:
            raise ValueError("spaces_url_template must contain {subdomain} exactly once and no other braces")
        url = httpx.URL(probe)
        if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
            raise ValueError("spaces_url_template must be an http(s) URL without query or fragment")
        if url.host.split(".")[0] != "probe-sub" and "probe-sub" not in url.path.split("/"):
            raise ValueError("{subdomain} must be the host's first label or a whole path segment")
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
