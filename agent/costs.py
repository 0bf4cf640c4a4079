"""Price estimates. Authoritative billing is the Hugging Face account's; these are for budgeting."""

from __future__ import annotations

# USD per 1M tokens (input, output) when the router's live catalog is unavailable.
STATIC_TOKEN_PRICES: dict[str, tuple[float, float]] = {
    "moonshotai/Kimi-K2.6": (0.60, 2.50),
    "Qwen/Qwen3-Coder-480B-A35B-Instruct": (0.40, 1.60),
    "openai/gpt-oss-120b": (0.15, 0.60),
}
# Unknown models are priced conservatively rather than as free.
FALLBACK_TOKEN_PRICE = (1.0, 4.0)


def base_model(model: str) -> str:
    """``org/name:provider`` → ``org/name``."""
    return model.split(":", 1)[0]


def inference_cost_usd(model: str, input_tokens: int, output_tokens: int,
                       prices: dict[str, tuple[float, float]] | None = None) -> float:
    table = prices or STATIC_TOKEN_PRICES
    price_in, price_out = table.get(base_model(model), STATIC_TOKEN_PRICES.get(base_model(model), FALLBACK_TOKEN_PRICE))
    return round((input_tokens * price_in + output_tokens * price_out) / 1_000_000, 6)
