"""Running one turn: in_progress → the agent loop → a settled status, with every failure mapped to the response."""

from __future__ import annotations

import asyncio
import datetime
import logging
from importlib import resources
from typing import Any

from agent import answer_format
from agent import events as ev
from agent import log_context
from agent.budget import ApprovalRequired, BudgetGate
from agent.context import patch_dangling_tool_calls
from agent.costs import PriceCatalog
from agent.failures import RunFailure, run_error
from agent.loop import AgentLoop, OutputBudgetSpent, Resume, TurnCancelled, TurnFailed
from agent.metrics import Metrics
from agent.models import Artifact, IncompleteDetails
from agent.runtime import SessionRuntime
from agent.settings import Settings
from agent.store.outage import StoreUnavailable, is_outage
from agent.store.store import Store
from agent.tools import Tool, ToolContext, ToolFailure
from agent.tools.base import ModelAccess
from agent.tools.repos.collection import SessionCollections, recover_collection_artifacts
from agent.turn_options import TurnOptions
from agent.writer import TurnWriter

log = logging.getLogger("ml_intern.turn")


def prompt_template() -> str:
    return resources.files("agent.prompts").joinpath("system.md").read_text()


def system_prompt(username: str, *, can_write: bool, can_jobs: bool, template: str | None = None) -> str:
    template = template if template is not None else prompt_template()
    prompt = template.replace("{username}", username).replace("{date}", datetime.date.today().isoformat())
    missing = [what for what, ok in (("create or write repos", can_write), ("run HF Jobs", can_jobs)) if not ok]
    if missing:
        prompt += f"\nThis token may not {' or '.join(missing)}: do not try; say what the user would need."
    return prompt


async def chain_history(store: Store, previous_response_id: str | None) -> list[dict[str, Any]]:
    """The conversation so far, rebuilt from the store by following previous_response_id links."""
    chain: list[str] = []
    current = previous_response_id
    while current is not None and len(chain) < 10_000:
        row = await store.get_response(current)
        if row is None:
            break
        chain.append(row.id)
        current = row.previous_response_id
    messages: list[dict[str, Any]] = []
    for response_id in reversed(chain):
        messages.extend(await store.transcript(response_id))
    return patch_dangling_tool_calls(messages)


class TurnRunner:
    """Executes a queued response on this replica. Owns the response's writer for the whole turn."""

    def __init__(self, *, settings: Settings, store: Store, tools: list[Tool], replica_id: str,
                 collections: SessionCollections | None = None, prices: PriceCatalog | None = None,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.prices = prices or PriceCatalog()
        self.store = store
        self.tools = tools
        self.replica_id = replica_id
        self.collections = collections
        self.prompt = prompt_template()  # read once: it ships with the package

    async def run(self, writer: TurnWriter, runtime: SessionRuntime, *, model: str,
                  previous_response_id: str | None, new_messages: list[dict[str, Any]],
                  options: TurnOptions = TurnOptions(), resume: Resume | None = None) -> None:
        """Run a queued turn, or (with ``resume``) continue a paused one whose status is already in_progress;
        ``new_messages`` is then this turn's stored transcript."""
        identity = runtime.identity
        log_context.response_id.set(writer.response_id)  # this task's own context: JSON logs name the turn
        log_context.session_id.set(writer.session_id)
        try:
            if resume is None:
                # Not waited for: the model request is built and sent while it commits (its events follow it)
                await writer.set_status("in_progress", wait=False)
            history = await chain_history(self.store, previous_response_id)
            prompt = system_prompt(identity.username, can_write=identity.can_write_repos,
                                   can_jobs=identity.can_run_jobs, template=self.prompt)
            answer_rules = answer_format.instructions(options.text)
            if answer_rules:
                prompt = f"{prompt}\n\n{answer_rules}"
            messages = [{"role": "system", "content": prompt}, *history, *new_messages]

            price = await self.prices.price(runtime.http, self.settings.router_url, model)
            lent_model = ModelAccess(llm=runtime.llm, model=model, price=price,
                                     charge=lambda usd, **details: writer.charge(ev.LLM_CALL, usd, **details))

            def make_context(item_id: str, output_index: int) -> ToolContext:
                async def log_line(text: str) -> None:
                    from agent.redact import redact_text
                    await writer.emit(ev.TOOL_LOG, item_id=item_id, output_index=output_index,
                                      text=redact_text(text, (identity.secret(),)))

                async def record(artifact: Artifact) -> None:
                    await writer.record_artifact(artifact)

                async def session_artifacts() -> list[dict[str, Any]]:
                    return [*await self.store.artifacts(session_id=writer.session_id), *writer.state.artifacts]

                return ToolContext(identity=identity, settings=self.settings, session_id=writer.session_id,
                                   response_id=writer.response_id, http=runtime.http, log=log_line,
                                   record_artifact=record, session_artifacts=session_artifacts, model=lent_model,
                                   charge=lambda usd, **details: writer.charge(ev.ACTION_COST, usd, item_id=item_id,
                                                                               **details),
                                   update_plan=lambda steps: writer.emit(ev.PLAN_UPDATED, item_id=item_id, plan=steps))

            loop = AgentLoop(settings=self.settings, model=model, tools=self.tools, llm=runtime.llm, writer=writer,
                             make_context=make_context, cancelled=runtime.cancelled, price=price,
                             secrets=(identity.secret(),), options=options, metrics=self.metrics)
            loop.gate = BudgetGate(writer, price)
            await loop.run(messages, resume)
            await self._recover_job_artifacts(writer, make_context)
            await writer.set_status("completed")
        except ApprovalRequired as pause:
            await writer.emit(ev.APPROVAL_REQUIRED, actions=[a.model_dump() for a in pause.actions],
                              budget=pause.budget, tool_calls=[c.message() for c in pause.calls])
            await writer.set_status("incomplete", incomplete=IncompleteDetails(reason="approval_required"))
        except OutputBudgetSpent:
            await writer.set_status("incomplete", incomplete=IncompleteDetails(reason="max_output_tokens"))
        except TurnCancelled:
            await writer.set_status("cancelled")
        except TurnFailed as exc:
            await writer.set_status("failed", error=run_error(exc.code, exc.message))
        except asyncio.CancelledError:
            # The process is shutting down: leave a resumable marker, as a crash would after recovery.
            await asyncio.shield(writer.set_status(
                "incomplete", incomplete=IncompleteDetails(reason="server_restart")))
            raise
        except Exception as exc:
            if isinstance(exc, StoreUnavailable) or is_outage(exc):
                # Recorded once the database is back (the writer waits for it again), after everything emitted.
                log.warning("turn %s stopped: the database is unreachable (%s)", writer.response_id, exc)
                await writer.set_status("failed", error=run_error(
                    RunFailure.STORE_UNAVAILABLE, "The database was unreachable for too long; the turn was "
                    "stopped. Continue it with a new request chained by previous_response_id."))
                return
            log.exception("turn %s crashed", writer.response_id)
            await writer.set_status("failed", error=run_error(
                RunFailure.RUNTIME_ERROR, "The agent runtime failed unexpectedly; the turn was stopped."))
        finally:
            await writer.close()

    async def _recover_job_artifacts(self, writer: TurnWriter, make_context) -> None:
        """Repos pushed from inside HF Jobs produce no event here: list the session collection at turn end.
        Only turns that launched jobs or used the collection pay for the Hub call."""
        if not any(a.get("type") in ("hf_job", "collection") for a in writer.state.artifacts):
            return
        try:
            found = await recover_collection_artifacts(make_context("", len(writer.state.output)), self.collections)
        except ToolFailure as exc:
            log.warning("could not list the session collection of %s: %s", writer.response_id, exc)
            return
        for artifact in found:
            await writer.record_artifact(artifact)
