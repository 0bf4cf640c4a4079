"""The optional LLM judge: the task's written rubric, the request and the final answer, sent to a model through
the same Inference Providers router the agent uses (OpenAI-compatible chat completions). Its verdict is reported
apart from the automatic checks and never changes whether a run passed."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from pydantic import BaseModel

from evals.lookups import token_allowed
from evals.tasks import JudgeSpec

SYSTEM = ("You grade the final answer of an autonomous ML-engineering agent against a rubric. Judge only what the "
          "answer says; do not reward length. Reply with one JSON object and nothing else: "
          '{"score": <integer 1-5>, "reasons": "<two sentences at most>"}.')
MAX_ANSWER_CHARS = 40_000
_SCORE = re.compile(r'"score"\s*:\s*([1-5])')


class Verdict(BaseModel):
    model: str
    score: int | None = None
    passed: bool | None = None
    reasons: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None


def prompt(spec: JudgeSpec, request: str, answer: str) -> str:
    return (f"## Rubric\n{spec.rubric}\n\n## Passing\nA score of {spec.pass_score} or more passes.\n\n"
            f"## The user's request\n{request}\n\n## The agent's final answer\n{answer[:MAX_ANSWER_CHARS]}")


def parse(reply: str) -> tuple[int | None, str]:
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if match:
        try:
            body = json.loads(match.group(0))
            score = body.get("score")
            if isinstance(score, int) and 1 <= score <= 5:
                return score, str(body.get("reasons", ""))[:1000]
        except ValueError:
            pass
    loose = _SCORE.search(reply)
    return (int(loose.group(1)), "") if loose else (None, "")


async def judge(http: httpx.AsyncClient, router_url: str, token: str, model: str, spec: JudgeSpec, request: str,
                answer: str) -> Verdict:
    if not token_allowed(router_url):
        return Verdict(model=model, error=f"{router_url} is not a Hugging Face host: the token is not sent there")
    body: dict[str, Any] = {"model": model, "stream": False, "temperature": 0, "max_tokens": 4096, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt(spec, request, answer)}]}
    try:
        reply = await http.post(f"{router_url.rstrip('/')}/chat/completions", json=body,
                                headers={"authorization": f"Bearer {token}"}, timeout=120.0)
    except httpx.HTTPError as exc:
        return Verdict(model=model, error=f"{type(exc).__name__}: {exc}")
    if not reply.is_success:
        return Verdict(model=model, error=f"the router answered {reply.status_code}: {reply.text[:300]}")
    try:
        data = reply.json()
        text = data["choices"][0]["message"].get("content") or ""
        usage = data.get("usage") or {}
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return Verdict(model=model, error=f"unreadable reply: {exc}")
    score, reasons = parse(text)
    return Verdict(model=model, score=score, passed=None if score is None else score >= spec.pass_score,
                   reasons=reasons, input_tokens=int(usage.get("prompt_tokens") or 0),
                   output_tokens=int(usage.get("completion_tokens") or 0),
                   error=None if score is not None else f"no score in the reply: {text[:200]!r}")
