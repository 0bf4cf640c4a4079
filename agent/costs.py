"""Token prices for the ledger: the router's live per-provider catalog (``GET {router}/models``), with a static
table when it cannot be read. Authoritative billing is the Hugging Face account's; these are for budgeting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.hf_hosts import HttpClient

from agent.live_catalog import CATALOG_TIMEOUT_SECONDS, LiveCatalog

# USD per 1M tokens (input, output) when the router's live catalog is unavailable.
STATIC_TOKEN_PRICES: dict[str, tuple[float, float]] = {
    "moonshotai/Kimi-K2.6": (0.60, 2.50),
    "Qwen/Qwen3-Coder-480B-A35B-Instruct": (0.40, 1.60),
    "openai/gpt-oss-120b": (0.15, 0.60),
}
# Unknown models are priced conservatively rather than as free.
FALLBACK_TOKEN_PRICE = (1.0, 4.0)
# Routing policies that pick a provider server-side; every other suffix names the provider.
POLICY_SUFFIXES = ("", "fastest", "preferred", "cheapest")

# model id -> [(provider, (input, output) USD per 1M tokens)] in the router's order.
ProviderPrices = dict[str, list[tuple[str, tuple[float, float]]]]


@dataclass(frozen=True)
class TokenPrice:
    input_usd_per_m: float
    output_usd_per_m: float
    source: str  # "router" (live catalog), "static" (built-in table) or "fallback" (unknown model)

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return round((input_tokens * self.input_usd_per_m + output_tokens * self.output_usd_per_m) / 1_000_000, 6)


def base_model(model: str) -> str:
    """``org/name:provider`` → ``org/name``."""
    return model.split(":", 1)[0]


def parse_router_models(payload: Any) -> ProviderPrices:
    """The router's ``{"data": [{"id", "providers": [{"provider", "status", "pricing": {"input", "output"}}]}]}``.
    Providers that are not live or publish no price are left out."""
    table: ProviderPrices = {}
    rows = payload.get("data") if isinstance(payload, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        prices = []
        for entry in row.get("providers") or []:
            pricing = entry.get("pricing") if isinstance(entry, dict) else None
            if not isinstance(pricing, dict) or entry.get("status", "live") != "live":
                continue
            try:
                prices.append((str(entry["provider"]), (float(pricing["input"]), float(pricing["output"]))))
            except (KeyError, TypeError, ValueError):
                continue
        if prices:
            table[row["id"]] = prices
    return table


def resolve_price(table: ProviderPrices, model: str) -> TokenPrice:
    """The price the router will charge for ``model``: its named provider, the cheapest for ``:cheapest``, the
    router's first live provider otherwise; an unknown provider is priced at the dearest one (never under)."""
    base, _, suffix = model.partition(":")
    providers = table.get(base)
    if providers:
        by_name = dict(providers)
        if suffix == "cheapest":
            chosen = min(by_name.values(), key=sum)
        elif suffix in POLICY_SUFFIXES:
            chosen = providers[0][1]
        else:
            chosen = by_name.get(suffix) or max(by_name.values(), key=sum)
        return TokenPrice(*chosen, source="router")
    if base in STATIC_TOKEN_PRICES:
        return TokenPrice(*STATIC_TOKEN_PRICES[base], source="static")
    return TokenPrice(*FALLBACK_TOKEN_PRICE, source="fallback")


async def _fetch_router_models(http: HttpClient, router_url: str) -> ProviderPrices | None:
    reply = await http.get(f"{router_url}/models", timeout=CATALOG_TIMEOUT_SECONDS)
    return parse_router_models(reply.json()) if reply.status_code == 200 else None


class PriceCatalog:
    """Live router prices per router URL (one per process, shared by every session), static table meanwhile."""

    def __init__(self, *, ttl_seconds: float = 3600.0, retry_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._catalog: LiveCatalog[ProviderPrices] = LiveCatalog(
            _fetch_router_models, {}, ttl_seconds=ttl_seconds, retry_seconds=retry_seconds, clock=clock)

    async def price(self, http: HttpClient, router_url: str, model: str) -> TokenPrice:
        table, _live = await self._catalog.get(http, router_url)
        return resolve_price(table, model)
