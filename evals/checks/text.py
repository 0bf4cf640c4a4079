"""Checks on the answer's text alone: word limits, required facts, Python code that parses."""

from __future__ import annotations

import ast
import re
from typing import Literal

from pydantic import Field

from evals.checks.base import Check, CheckResult, Lookups, TurnView, code_blocks, prose

PYTHON_TAGS = ("python", "py", "python3")
_WORD = re.compile(r"[^\s]+")


def word_count(text: str) -> int:
    """Whitespace-separated words; markdown markers alone ('-', '#', '|', '*') are not words."""
    return sum(1 for word in _WORD.findall(text) if any(ch.isalnum() for ch in word))


class WordLimit(Check):
    type: Literal["word_limit"]
    max_words: int = Field(..., ge=1)
    exclude_code: bool = Field(False, description="Count only the prose, not fenced code blocks.")

    def describe(self) -> str:
        return self.label or f"at most {self.max_words} words"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        words = word_count(prose(turn.answer) if self.exclude_code else turn.answer)
        if not turn.answer.strip():
            return self.result(turn, False, "no answer")
        return self.result(turn, words <= self.max_words, f"{words} words (limit {self.max_words})")


class Facts(Check):
    """Facts the answer must (``all_of``, ``any_of``) or must not (``none_of``) state, as case-insensitive regular
    expressions."""

    type: Literal["facts"]
    all_of: list[str] = Field(default_factory=list)
    any_of: list[str] = Field(default_factory=list)
    none_of: list[str] = Field(default_factory=list)

    def describe(self) -> str:
        return self.label or "required facts"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        text = turn.answer
        problems = [f"missing /{p}/" for p in self.all_of if not re.search(p, text, re.IGNORECASE)]
        if self.any_of and not any(re.search(p, text, re.IGNORECASE) for p in self.any_of):
            problems.append("none of " + ", ".join(f"/{p}/" for p in self.any_of))
        problems += [f"states /{p}/" for p in self.none_of if re.search(p, text, re.IGNORECASE)]
        found = len(self.all_of) + bool(self.any_of) + len(self.none_of)
        return self.result(turn, not problems, "; ".join(problems) or f"{found} fact(s) hold")


class CodeParses(Check):
    """Every Python code block parses (``ast.parse``); at least ``min_blocks`` of them."""

    type: Literal["code_parses"]
    min_blocks: int = Field(1, ge=0)

    def describe(self) -> str:
        return self.label or "python code blocks parse"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        blocks = [block for block in code_blocks(turn.answer) if block.language in PYTHON_TAGS]
        errors = []
        for number, block in enumerate(blocks, 1):
            try:
                ast.parse(block.code)
            except SyntaxError as exc:
                errors.append(f"block {number}, line {exc.lineno}: {exc.msg}")
        if errors:
            return self.result(turn, False, "; ".join(errors))
        if len(blocks) < self.min_blocks:
            return self.result(turn, False, f"{len(blocks)} python block(s), expected at least {self.min_blocks}")
        return self.result(turn, True, f"{len(blocks)} python block(s) parse")
