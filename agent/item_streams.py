"""Streamed model output as Responses output items: the answer text as a ``message`` item, the model's reasoning
as a ``reasoning`` item, each with the spec's event sequence (item added → part added → deltas → text done →
part done → item done). Deltas are redacted live, even a token split across chunks (see StreamRedactor). All of
them ride the writer's group commit; the loop's next durable step (a tool call, a status) commits them first."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel

from agent import events as ev
from agent.models import MessageItem, OutputText, ReasoningItem, ReasoningText
from agent.redact import StreamRedactor
from agent.writer import TurnWriter


# How far an item's events have gone. A step is recorded only once its event was emitted, so wherever a cancel
# interrupts the stream (even between an item's ``output_item.added`` and its ``content_part.added``), ``finish``
# knows exactly what is open and closes just that.
_CLOSED, _ITEM_ADDED, _PART_OPEN, _TEXT_DONE, _PART_DONE = range(5)


class _ItemStream:
    prefix: str
    delta_event: str
    done_event: str
    extra: dict[str, Any] = {}

    def __init__(self, writer: TurnWriter, secrets_: tuple[str, ...] = ()) -> None:
        self.writer = writer
        self.item: BaseModel | None = None
        self.index = -1
        self.step = _CLOSED
        self.text_so_far = ""  # the text its deltas carried
        self.redactor = StreamRedactor(secrets_)

    def new_item(self, item_id: str) -> BaseModel:
        raise NotImplementedError

    def new_part(self, text: str = "") -> BaseModel:
        raise NotImplementedError

    def text(self, delta: str) -> None:
        if self.step == _CLOSED:
            item = self.new_item(f"{self.prefix}_{secrets.token_hex(12)}")
            index = self.writer.next_output_index()
            self.writer.emit_deferred(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
            self.item, self.index, self.step = item, index, _ITEM_ADDED
        if self.step == _ITEM_ADDED:
            self.writer.emit_deferred(ev.PART_ADDED, item_id=self.item.id, output_index=self.index,
                                      content_index=0, part=self.new_part().model_dump())
            self.step = _PART_OPEN
        if self.step != _PART_OPEN:
            raise RuntimeError(f"{self.prefix} stream: text after its part was closed")
        self._send(self.redactor.feed(delta))

    def _send(self, safe: str) -> None:
        if safe:
            self.writer.emit_redacted_delta(self.delta_event, item_id=self.item.id, output_index=self.index,
                                            content_index=0, delta=safe, **self.extra)
            self.text_so_far += safe

    async def finish(self, status: str) -> None:
        """Close the item with the events of what is open, and only those: nothing when no item was added; an
        item whose content part was never opened gets only ``output_item.done`` with status ``incomplete`` and
        no content (never a ``.done`` for a part that does not exist); otherwise the text's ``.done``, the part's,
        then the item's. A finish that was itself interrupted is completed by the next one."""
        if self.step == _CLOSED:
            return
        if self.step == _ITEM_ADDED:
            self._item_done("incomplete", [])
            return
        if self.step == _PART_OPEN:
            self._send(self.redactor.flush())
            self.writer.emit_deferred(self.done_event, item_id=self.item.id, output_index=self.index,
                                      content_index=0, text=self.text_so_far, **self.extra)
            self.step = _TEXT_DONE
        part = self.new_part(self.text_so_far)
        if self.step == _TEXT_DONE:
            self.writer.emit_deferred(ev.PART_DONE, item_id=self.item.id, output_index=self.index,
                                      content_index=0, part=part.model_dump())
            self.step = _PART_DONE
        self._item_done(status, [part])

    def _item_done(self, status: str, content: list[BaseModel]) -> None:
        done = self.item.model_copy(update={"status": status, "content": content})
        self.writer.emit_deferred(ev.ITEM_DONE, output_index=self.index, item=done.model_dump())
        self.item, self.index, self.step, self.text_so_far = None, -1, _CLOSED, ""

    async def discard(self) -> None:
        """Close the item as incomplete, then take it out of the response: the model call that streamed it failed,
        so its text is no part of the answer (the call is retried in new items, or the turn fails)."""
        if self.step == _CLOSED:
            return
        item_id, index = self.item.id, self.index
        await self.finish("incomplete")
        await self.writer.emit(ev.ITEM_DISCARDED, output_index=index, item_id=item_id)


class MessageStream(_ItemStream):
    """The model's answer text."""

    prefix = "msg"
    delta_event = ev.TEXT_DELTA
    done_event = ev.TEXT_DONE
    extra = {"logprobs": []}

    def new_item(self, item_id: str) -> BaseModel:
        return MessageItem(id=item_id)

    def new_part(self, text: str = "") -> BaseModel:
        return OutputText(text=text)


class ReasoningStream(_ItemStream):
    """The model's reasoning, shown as it thinks (or not at all when the caller opted out)."""

    prefix = "rs"
    delta_event = ev.REASONING_DELTA
    done_event = ev.REASONING_DONE

    def __init__(self, writer: TurnWriter, secrets_: tuple[str, ...] = (), *, visible: bool = True) -> None:
        super().__init__(writer, secrets_)
        self.visible = visible

    def new_item(self, item_id: str) -> BaseModel:
        return ReasoningItem(id=item_id)

    def new_part(self, text: str = "") -> BaseModel:
        return ReasoningText(text=text)

    def text(self, delta: str) -> None:
        if self.visible:
            super().text(delta)
