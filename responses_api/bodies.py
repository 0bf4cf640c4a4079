"""Bodies of the front door's own answers (health), typed so that /openapi.json documents them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """``ready``, or (with 503) ``draining`` while shutting down, ``unavailable`` when the database does not answer."""

    status: Literal["ready", "draining", "unavailable"]
