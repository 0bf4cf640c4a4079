"""Token prices: which provider's price the router will charge, and the cached catalog's fallback behaviour."""

from __future__ import annotations

import httpx
import pytest

from agent.costs import FALLBACK_TOKEN_PRICE, STATIC_TOKEN_PRICES, PriceCatalog, parse_router_models, resolve_price

PAYLOAD = {"object": "list", "data": [
    {"id": "org/model", "providers": [
        {"provider": "fast", "status": "live", "pricing": {"input": 1.0, "output": 2.0}},
        {"provider": "cheap", "status": "live", "pricing": {"input": 0.1, "output": 0.2}},
        {"provider": "dear", "status": "live", "pricing": {"input": 5.0, "output": 9.0}},
        {"provider": "down", "status": "staging", "pricing": {"input": 0.01, "output": 0.01}},
        {"provider": "unpriced", "status": "live"},
    ]},
    {"id": "org/no-prices", "providers": [{"provider": "x", "status": "live"}]},
    "garbage",
]}


def test_provider_choice_matches_the_router_policy():
    table = parse_router_models(PAYLOAD)
    assert [name for name, _ in table["org/model"]] == ["fast", "cheap", "dear"]
    assert "org/no-prices" not in table
    assert resolve_price(table, "org/model").input_usd_per_m == 1.0
    assert resolve_price(table, "org/model:fastest").input_usd_per_m == 1.0
    assert resolve_price(table, "org/model:cheapest").output_usd_per_m == 0.2
    assert resolve_price(table, "org/model:dear").input_usd_per_m == 5.0
    # A provider the catalog does not price is never priced under the dearest known one.
    assert resolve_price(table, "org/model:unknown").input_usd_per_m == 5.0
    assert resolve_price(table, "org/model").source == "router"


def test_static_and_fallback_prices_when_the_catalog_lacks_the_model():
    known = next(iter(STATIC_TOKEN_PRICES))
    price = resolve_price({}, f"{known}:novita")
    assert (price.input_usd_per_m, price.output_usd_per_m, price.source) == (*STATIC_TOKEN_PRICES[known], "static")
    price = resolve_price({}, "nobody/knows")
    assert (price.input_usd_per_m, price.output_usd_per_m, price.source) == (*FALLBACK_TOKEN_PRICE, "fallback")
    assert price.cost_usd(1_000_000, 500_000) == pytest.approx(FALLBACK_TOKEN_PRICE[0] + FALLBACK_TOKEN_PRICE[1] / 2)


async def test_catalog_caches_live_prices_and_survives_an_unreachable_router():
    calls = []
    up = {"ok": True}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json=PAYLOAD) if up["ok"] else httpx.Response(503)

    now = [0.0]
    catalog = PriceCatalog(ttl_seconds=10, retry_seconds=1, clock=lambda: now[0])
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert (await catalog.price(http, "https://router.test/v1", "org/model:cheap")).input_usd_per_m == 0.1
        await catalog.price(http, "https://router.test/v1/", "org/model")
        assert calls == ["/v1/models"]  # cached, trailing slash or not
        up["ok"] = False
        now[0] = 11  # expired: the refetch fails, the last live prices are kept
        assert (await catalog.price(http, "https://router.test/v1", "org/model:cheap")).source == "router"
        now[0] = 11.5
        await catalog.price(http, "https://router.test/v1", "org/model")
        assert len(calls) == 2  # a failure is retried after retry_seconds, not at every call
        # A router never reached serves the static table.
        price = await catalog.price(http, "https://other.test/v1", next(iter(STATIC_TOKEN_PRICES)))
        assert price.source == "static"
