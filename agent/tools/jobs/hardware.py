"""Job hardware flavors and their prices: the live ``GET {hub}/api/jobs/hardware`` catalog, cached per process on a
``HardwareCatalog`` object, with a static fallback table when the Hub cannot be reached."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.hf_hosts import HttpClient

from agent.live_catalog import CATALOG_TIMEOUT_SECONDS, LiveCatalog
from agent.tools.base import ToolContext


@dataclass(frozen=True)
class Flavor:
    name: str
    pretty_name: str
    usd_per_hour: float
    cpu: str = ""
    ram: str = ""
    accelerator: str | None = None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "pretty_name": self.pretty_name,
                               "usd_per_hour": round(self.usd_per_hour, 4), "cpu": self.cpu, "ram": self.ram}
        if self.accelerator:
            out["accelerator"] = self.accelerator
        return out


def _static(*rows: tuple[str, str, float, str, str, str | None]) -> dict[str, Flavor]:
    return {row[0]: Flavor(*row) for row in rows}


# Hugging Face Jobs list prices (USD per hour), used when the live catalog is unavailable.
STATIC_FLAVORS: dict[str, Flavor] = _static(
    ("cpu-basic", "CPU Basic", 0.01, "2 vCPU", "16 GB", None),
    ("cpu-upgrade", "CPU Upgrade", 0.03, "8 vCPU", "32 GB", None),
    ("t4-small", "Nvidia T4 - small", 0.40, "4 vCPU", "15 GB", "1x T4 (16 GB)"),
    ("t4-medium", "Nvidia T4 - medium", 0.60, "8 vCPU", "30 GB", "1x T4 (16 GB)"),
    ("l4x1", "1x Nvidia L4", 0.80, "8 vCPU", "30 GB", "1x L4 (24 GB)"),
    ("l4x4", "4x Nvidia L4", 3.80, "48 vCPU", "186 GB", "4x L4 (96 GB)"),
    ("a10g-small", "Nvidia A10G - small", 1.00, "4 vCPU", "15 GB", "1x A10G (24 GB)"),
    ("a10g-large", "Nvidia A10G - large", 1.50, "12 vCPU", "46 GB", "1x A10G (24 GB)"),
    ("a10g-largex2", "2x Nvidia A10G - large", 3.00, "24 vCPU", "92 GB", "2x A10G (48 GB)"),
    ("a10g-largex4", "4x Nvidia A10G - large", 5.00, "48 vCPU", "184 GB", "4x A10G (96 GB)"),
    ("a100-large", "Nvidia A100 - large", 2.50, "12 vCPU", "142 GB", "1x A100 (80 GB)"),
    ("v5e-1x1", "Google TPU v5e - 1x1", 1.20, "22 vCPU", "44 GB", "1x TPU v5e"),
    ("v5e-2x2", "Google TPU v5e - 2x2", 4.75, "112 vCPU", "186 GB", "4x TPU v5e"),
    ("v5e-2x4", "Google TPU v5e - 2x4", 9.50, "224 vCPU", "380 GB", "8x TPU v5e"),
)

_PER_HOUR = {"second": 3600.0, "minute": 60.0, "hour": 1.0}


def parse_hardware(payload: Any) -> dict[str, Flavor]:
    """Parse the Hub's hardware list (``unitCostUSD`` per ``unitLabel``) into flavors priced per hour."""
    flavors: dict[str, Flavor] = {}
    for entry in payload if isinstance(payload, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        unit_cost = entry.get("unitCostUSD")
        if unit_cost is None and entry.get("unitCostMicroUSD") is not None:
            unit_cost = entry["unitCostMicroUSD"] / 1_000_000
        factor = _PER_HOUR.get(str(entry.get("unitLabel") or "minute").lower())
        if unit_cost is None or factor is None:
            continue
        accel = entry.get("accelerator") or None
        accelerator = None
        if isinstance(accel, dict):
            accelerator = f"{accel.get('quantity', '1')}x {accel.get('model', '?')} ({accel.get('vram', '?')})"
        flavors[entry["name"]] = Flavor(name=entry["name"], pretty_name=str(entry.get("prettyName") or entry["name"]),
                                        usd_per_hour=float(unit_cost) * factor, cpu=str(entry.get("cpu") or ""),
                                        ram=str(entry.get("ram") or ""), accelerator=accelerator)
    return flavors


async def _fetch_hardware(http: HttpClient, hub_url: str) -> dict[str, Flavor] | None:
    reply = await http.get(f"{hub_url}/api/jobs/hardware", timeout=CATALOG_TIMEOUT_SECONDS)
    return parse_hardware(reply.json()) if reply.status_code == 200 else None


class HardwareCatalog:
    """Live flavor prices per Hub URL, refreshed at most every ``ttl_seconds``; static prices until then."""

    def __init__(self, ttl_seconds: float = 3600.0, retry_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._catalog: LiveCatalog[dict[str, Flavor]] = LiveCatalog(
            _fetch_hardware, STATIC_FLAVORS, ttl_seconds=ttl_seconds, retry_seconds=retry_seconds, clock=clock)

    def cached(self, hub_url: str) -> tuple[dict[str, Flavor], bool]:
        """The flavors known now (live if fetched, else the static table) and whether they are live."""
        return self._catalog.cached(hub_url)

    async def flavors(self, ctx: ToolContext) -> tuple[dict[str, Flavor], bool]:
        """Fetch (or reuse) the live catalog; falls back to the static table if the Hub does not answer."""
        return await self._catalog.get(ctx.http, ctx.settings.hub_url)

    def estimate_usd(self, hub_url: str, flavor: str, seconds: float) -> float | None:
        """Price of ``seconds`` on ``flavor`` (None when the flavor is unknown)."""
        known, _live = self.cached(hub_url)
        found = known.get(flavor) or STATIC_FLAVORS.get(flavor)
        if found is None:
            return None
        return round(found.usd_per_hour * seconds / 3600.0, 6)
