"""Test doubles for the LLM layer, shared by every package's unit tests.

`RecordingLLM` is an `LLMClient` whose backend is a script: it runs the REAL prompt loading, payload checks
(assistant.core.privacy) and fencing, records every formatted prompt, and answers with objects the test built.
Use it for spy tests ("no user id reaches a prompt") and to unit-test callers without a model:

    llm = RecordingLLM({"persona": Persona(name="Bargain hunters", summary="...")})
    result = describe_segments(..., llm=llm)
    assert "user_id" not in llm.prompt_text and "U123" not in llm.prompt_text
    assert llm.calls[0].prompt == "persona" and llm.calls[0].language == "en"

Replies: a mapping prompt name -> reply, or a callable (call: RecordedCall) -> reply. A reply is a pydantic
instance or dict (for `structured`; validated against the requested schema), or a str (for `text`/`stream`),
or a list of those (consumed one per call, in order), or an Exception instance (raised).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from assistant.core.llm import LLMClient


@dataclass(frozen=True)
class RecordedCall:
    prompt: str
    language: str
    kind: str  # "structured", "text" or "stream"
    variables: dict[str, Any]  # as the caller passed them
    messages: tuple[tuple[str, str], ...]  # (role, content) exactly as they would be sent
    schema: type[BaseModel] | None = None

    @property
    def text(self) -> str:
        return "\n".join(content for _, content in self.messages)


class RecordingLLM(LLMClient):
    """An LLMClient that records formatted prompts and answers from a script (see the module docstring)."""

    def __init__(self, replies: Mapping[str, Any] | Callable[[RecordedCall], Any] | None = None, *,
                 backend_name: str = "recording fake", **kwargs: Any):
        super().__init__(model="fake", backend_name=backend_name, **kwargs)
        self.replies = replies if replies is not None else {}
        self.calls: list[RecordedCall] = []

    @property
    def prompt_text(self) -> str:
        """Every message of every call so far, joined: assert what must never appear in it."""
        return "\n".join(call.text for call in self.calls)

    def _record(self, kind: str, prompt: str, variables: Mapping[str, Any], language: str,
                schema: type[BaseModel] | None = None) -> Any:
        messages = self.messages(prompt, variables, language=language)  # real checks, fencing, formatting
        call = RecordedCall(prompt, language, kind, dict(variables),
                            tuple((m.type, str(m.content)) for m in messages), schema)
        self.calls.append(call)
        if callable(self.replies):
            reply = self.replies(call)
        else:
            if prompt not in self.replies:
                raise AssertionError(f"RecordingLLM has no reply for prompt '{prompt}'")
            reply = self.replies[prompt]
            if isinstance(reply, list):
                if not reply:
                    raise AssertionError(f"RecordingLLM ran out of replies for prompt '{prompt}'")
                reply = reply.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def structured(self, prompt: str, variables: Mapping[str, Any], schema: type[BaseModel], *,
                   language: str = "en") -> BaseModel:
        reply = self._record("structured", prompt, variables, language, schema)
        if isinstance(reply, schema):
            return reply
        if isinstance(reply, BaseModel):
            reply = reply.model_dump()
        return schema.model_validate(reply)

    def text(self, prompt: str, variables: Mapping[str, Any], *, language: str = "en") -> str:
        return self._text_reply("text", prompt, variables, language)

    def stream(self, prompt: str, variables: Mapping[str, Any], *, language: str = "en") -> Iterator[str]:
        reply = self._text_reply("stream", prompt, variables, language)
        return iter([reply[i:i + 8] for i in range(0, len(reply), 8)])

    def _text_reply(self, kind: str, prompt: str, variables: Mapping[str, Any], language: str) -> str:
        reply = self._record(kind, prompt, variables, language)
        if not isinstance(reply, str):
            raise AssertionError(f"RecordingLLM reply for {kind} prompt '{prompt}' must be a str, got {type(reply)}")
        return reply

    def warm_up(self) -> None:
        pass


class ServerEndpoint:
    """The local endpoint LLMClient expects (`LLMClient(local=...)`), around a given LocalLLMServer (a stub
    server in tests) instead of the one settings would build."""

    def __init__(self, server):
        self.server = server

    def ensure_running(self) -> str:
        return self.server.ensure_running()

    def in_flight(self):
        from assistant.core.local_llm import in_flight
        return in_flight(self.server.state_dir)

    def fit_threads(self) -> bool:
        return self.server.fit_threads()

    def stop(self) -> None:
        self.server.stop()
