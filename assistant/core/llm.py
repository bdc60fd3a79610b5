"""The only module that talks to an LLM: prompt files in, text / stream / validated pydantic objects out.

One code path for every backend: LangChain `ChatOpenAI` against an OpenAI-compatible endpoint — the one
configured (OPENAI_BASE_URL / OPENAI_API_KEY / MKT_LLM_MODEL) or the embedded llama.cpp server
(assistant.core.local_llm). Every call goes through `LLMClient.messages()`, which checks the payload
(assistant.core.privacy.check_payload), fences untrusted variables and formats the prompt file.

Retries: the openai client's own retry (ChatOpenAI(max_retries=N)) — exponential backoff with jitter on
connection errors, timeouts, 408/409/429/5xx, and it honours Retry-After (up to 120 s). Chosen over
LangChain's `.with_retry()` because that one ignores Retry-After and does not retry a stream's request.
Each attempt is bounded by `timeout` (connect/read), so nothing hangs.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from assistant.core import privacy
from assistant.core.settings import PROMPTS_DIR, Settings
from assistant.core.errors import LLMOutputError, LLMUnavailable, ModelIntegrityError
from assistant.core.privacy import PrivacyError
from assistant.core.prompts import PromptError, PromptNotFound, PromptSpec, common_piece, normalise_language, read_spec

__all__ = ["LLMClient", "LLMUnavailable", "LLMOutputError", "ModelIntegrityError", "PrivacyError", "PromptError",
           "PromptNotFound", "get_llm", "build_llm", "reset_llm", "STRUCTURED_METHODS"]

log = logging.getLogger(__name__)

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
# How structured output is requested:
#   llama_json_schema  response_format {"type": "json_object", "schema": ...}: grammar-enforced on llama.cpp
#   json_schema        OpenAI Structured Outputs (with_structured_output(method="json_schema"))
#   function_calling / json_mode   LangChain's other with_structured_output methods, for other endpoints
STRUCTURED_METHODS = ("llama_json_schema", "json_schema", "function_calling", "json_mode")
_FENCED_CODE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class _LocalEndpoint:
    """Lazily assembles the model and starts/adopts/restarts the workspace's llama.cpp server."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._server = None
        self._lock = threading.Lock()

    @property
    def server(self):
        return self._server

    def ensure_running(self) -> str:
        from assistant.core import local_llm  # lazy: remote-only users never touch llama.cpp

        with self._lock:
            if self._server is None:
                if importlib.util.find_spec("llama_cpp") is None:
                    raise LLMUnavailable("the embedded LLM runtime llama-cpp-python is not installed")
                missing = [m for m in ("sse_starlette", "starlette_context", "diskcache", "uvicorn", "fastapi")
                           if importlib.util.find_spec(m) is None]
                if missing:
                    raise LLMUnavailable(f"llama-cpp-python's server extras are missing ({', '.join(missing)}); "
                                         "pip install 'llama-cpp-python[server]==0.3.36'")
                model = local_llm.resolve_model_path(self._settings.local_model_path)
                workspace = Path(self._settings.workspace)
                self._server = local_llm.LocalLLMServer(model, workspace / "llm", workspace=workspace)
        return self._server.ensure_running()

    def in_flight(self):
        """A context that counts one request to this workspace's server (it is not restarted under one)."""
        from assistant.core.local_llm import in_flight
        return in_flight(Path(self._settings.workspace) / "llm")

    def fit_threads(self) -> bool:
        """Restart the server this process started with the cores free now, if it is idle and they differ."""
        return self._server is not None and self._server.fit_threads()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


class LLMClient:
    """Formats prompt files and asks one OpenAI-compatible chat endpoint (see the module docstring)."""

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, model: str = "local",
                 timeout: float = 120.0, max_retries: int = 2, structured_method: str = "json_schema",
                 backend_name: str | None = None, prompts_dir: Path = PROMPTS_DIR,
                 local: _LocalEndpoint | None = None):
        if structured_method not in STRUCTURED_METHODS:
            raise ValueError(f"structured_method must be one of {STRUCTURED_METHODS}, not {structured_method!r}")
        self._base_url, self._api_key, self.model = base_url, api_key, model
        self.timeout, self.max_retries, self.structured_method = timeout, max_retries, structured_method
        self._backend_name = backend_name or model
        self.prompts_dir = Path(prompts_dir)
        self._local = local
        self._chat: ChatOpenAI | None = None
        self._chat_url: str | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ public API
    @property
    def backend_name(self) -> str:
        """Human-readable backend, e.g. 'local llama.cpp (qwen2.5-0.5b)' or 'gpt-4o-mini (api.openai.com)'."""
        return self._backend_name

    def warm_up(self) -> None:
        """Start (or adopt) the local server now rather than at the first call; no-op for remote endpoints."""
        self._chat_model()

    def prepare_batch(self) -> None:
        """Before a batch of words (personas, copy): the local server this process started gets as many threads
        as cores are free now, restarted if it is idle and that differs (`LocalLLMServer.fit_threads`). No-op
        for remote endpoints and with MKT_LLM_THREADS; never raises (the next call starts a server if needed)."""
        if self._local is None:
            return
        try:
            self._local.fit_threads()
        except (LLMUnavailable, OSError) as exc:
            log.warning("local LLM: could not restart the server with more threads (%s)", exc)

    def messages(self, prompt: str, variables: Mapping[str, Any], *, language: str = "en") -> list[BaseMessage]:
        """The exact messages a call would send: payload checked, untrusted variables fenced, template filled."""
        spec = read_spec(prompt, self.prompts_dir)
        language = normalise_language(language)
        privacy.check_payload(variables)
        expected = spec.variables(language)
        missing, extra = expected - set(variables), set(variables) - expected
        if missing or extra:
            raise PromptError(f"prompt '{prompt}' takes variables {sorted(expected)}; missing {sorted(missing)}, "
                              f"unexpected {sorted(extra)}")
        untrusted = spec.untrusted_variables(language)
        values = {name: privacy.fence(privacy.render_value(value)) if name in untrusted
                  else privacy.render_value(value) for name, value in variables.items()}
        notice = common_piece("fence_notice", language, self.prompts_dir) if untrusted else None
        return spec.template(language, fence_notice=notice).format_messages(**values)

    def text(self, prompt: str, variables: Mapping[str, Any], *, language: str = "en") -> str:
        """The model's full answer as text."""
        spec, msgs = self._prepare(prompt, variables, language)
        answer = self._call(lambda chat: chat.invoke(msgs, **self._gen_kwargs(spec)), prompt)
        return _content(answer).strip()

    def stream(self, prompt: str, variables: Mapping[str, Any], *, language: str = "en") -> Iterator[str]:
        """The answer as it is generated (text pieces). Payload errors raise here, at the call, not on iteration."""
        spec, msgs = self._prepare(prompt, variables, language)

        def pieces() -> Iterator[str]:
            started = time.monotonic()
            with self._in_flight():
                chat = self._call(lambda c: c, prompt)
                iterator = chat.stream(msgs, **self._gen_kwargs(spec))
                while True:
                    try:
                        chunk = self._call(lambda _c: next(iterator), prompt, ensure=False)
                    except StopIteration:
                        break
                    if text := _content(chunk):
                        yield text
            log.info("llm stream prompt=%s v%s backend=%s %.2fs", prompt, spec.version, self.backend_name,
                     time.monotonic() - started)

        return pieces()

    def structured(self, prompt: str, variables: Mapping[str, Any], schema: type[BaseModel], *,
                   language: str = "en") -> BaseModel:
        """A validated `schema` instance; one repair request on invalid output, then LLMOutputError."""
        spec, msgs = self._prepare(prompt, variables, language)
        parsed, raw, error = self._structured_once(msgs, schema, spec, prompt)
        if error is None:
            return parsed
        log.warning("llm structured prompt=%s: invalid answer (%s); asking once to repair", prompt, error)
        repair = common_piece("repair", language, self.prompts_dir).replace("{error}", error[:800])
        msgs = [*msgs, AIMessage(content=raw or ""), HumanMessage(content=repair)]
        parsed, raw2, error2 = self._structured_once(msgs, schema, spec, prompt)
        if error2 is None:
            return parsed
        raise LLMOutputError(
            f"the LLM ({self.backend_name}) did not return a valid {schema.__name__} for prompt '{prompt}', "
            f"even after one repair request: {error2[:500]}", raw=raw2)

    # ------------------------------------------------------------------------------------------ internals
    def _prepare(self, prompt: str, variables: Mapping[str, Any], language: str) -> tuple[PromptSpec,
                                                                                           list[BaseMessage]]:
        return read_spec(prompt, self.prompts_dir), self.messages(prompt, variables, language=language)

    def _gen_kwargs(self, spec: PromptSpec) -> dict[str, Any]:
        # langchain-openai sends max_tokens as `max_completion_tokens`, which llama.cpp's server ignores: a local
        # answer then runs to the context limit (3,596 tokens, 516 s measured) and blocks every later call.
        if self.structured_method == "llama_json_schema":
            return {"temperature": spec.temperature, "extra_body": {"max_tokens": spec.max_tokens}}
        return {"temperature": spec.temperature, "max_tokens": spec.max_tokens}

    def _structured_once(self, msgs: list[BaseMessage], schema: type[BaseModel], spec: PromptSpec,
                         prompt: str) -> tuple[BaseModel | None, str | None, str | None]:
        """(parsed, raw text, error text) — error is None when `parsed` is valid."""
        kwargs = self._gen_kwargs(spec)
        if self.structured_method == "llama_json_schema":
            response_format = {"type": "json_object", "schema": schema.model_json_schema()}
            try:
                answer = self._call(lambda chat: chat.bind(response_format=response_format, **kwargs).invoke(msgs),
                                    prompt)
            except openai.LengthFinishReasonError:  # cut at max_tokens: an unusable answer, like invalid JSON
                return None, None, "the answer was cut off at the length limit; answer shorter"
            raw = _content(answer)
            try:
                # strict=False: small models put raw newlines inside JSON strings; the text is still usable
                return schema.model_validate(json.loads(_strip_code_fence(raw), strict=False)), raw, None
            except json.JSONDecodeError as exc:
                return None, raw, f"the answer is not valid JSON ({exc})"
            except ValidationError as exc:
                return None, raw, _validation_message(exc)
        try:
            # a copy with the settings, not .bind(): bound kwargs are dropped by with_structured_output
            result = self._call(lambda chat: chat.model_copy(update=kwargs).with_structured_output(
                schema, method=self.structured_method, include_raw=True).invoke(msgs), prompt)
        except ValidationError as exc:  # the openai SDK's own parse (json_schema) validates inside the call
            raw = next((e["input"] for e in exc.errors() if isinstance(e.get("input"), str)), None)
            return None, raw, _validation_message(exc)
        except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as exc:
            return None, None, str(exc)
        raw_message = result.get("raw")
        raw = _content(raw_message) if raw_message is not None else None
        if raw_message is not None and not raw and getattr(raw_message, "tool_calls", None):
            raw = json.dumps(raw_message.tool_calls[0].get("args", {}), ensure_ascii=False)
        if result.get("parsing_error") is not None:
            error = result["parsing_error"]
            return None, raw, _validation_message(error) if isinstance(error, ValidationError) else str(error)
        parsed = result.get("parsed")
        if isinstance(parsed, schema):
            return parsed, raw, None
        if isinstance(parsed, dict):
            try:
                return schema.model_validate(parsed), raw, None
            except ValidationError as exc:
                return None, raw, _validation_message(exc)
        return None, raw, "the answer contained no structured object"

    def _chat_model(self) -> ChatOpenAI:
        base_url = self._local.ensure_running() if self._local is not None else self._base_url
        with self._lock:
            if self._chat is None or base_url != self._chat_url:  # the local server may have moved port
                self._chat = ChatOpenAI(base_url=base_url, api_key=self._api_key or "not-needed",
                                        model=self.model, timeout=self.timeout, max_retries=self.max_retries)
                self._chat_url = base_url
            return self._chat

    def _in_flight(self):
        return self._local.in_flight() if self._local is not None else contextlib.nullcontext()

    def _call(self, fn: Callable[[ChatOpenAI], Any], prompt: str, *, ensure: bool = True) -> Any:
        """Run `fn` with the chat model, counted as a request in flight (`prepare_batch` waits for none)."""
        with self._in_flight():
            return self._call_counted(fn, prompt, ensure=ensure)

    def _call_counted(self, fn: Callable[[ChatOpenAI], Any], prompt: str, *, ensure: bool = True) -> Any:
        """Run `fn` with the chat model; map transport errors to LLMUnavailable (a dead local server is
        restarted once)."""
        started = time.monotonic()
        for attempt in (1, 2):
            try:
                chat = self._chat_model() if ensure else self._chat
                result = fn(chat)
                if ensure:
                    log.debug("llm call prompt=%s backend=%s %.2fs", prompt, self.backend_name,
                              time.monotonic() - started)
                return result
            except openai.APIConnectionError as exc:  # also APITimeoutError
                if (attempt == 1 and ensure and self._local is not None and self._local.server is not None
                        and not isinstance(exc, openai.APITimeoutError) and not self._local.server.alive()):
                    log.warning("local LLM server died; restarting it")
                    continue
                what = "timed out" if isinstance(exc, openai.APITimeoutError) else "could not be reached"
                raise LLMUnavailable(
                    f"{self.backend_name} at {self._where()} {what} (after {self.max_retries} retries, "
                    f"timeout {self.timeout:g} s per attempt): {exc}") from exc
            except openai.AuthenticationError as exc:
                raise LLMUnavailable(f"{self.backend_name} at {self._where()} refused the API key (HTTP 401); "
                                     "check OPENAI_API_KEY") from exc
            except openai.NotFoundError as exc:
                raise LLMUnavailable(f"{self.backend_name} at {self._where()} answered 404 (unknown model "
                                     f"'{self.model}' or wrong path); check MKT_LLM_MODEL and OPENAI_BASE_URL "
                                     f"(it usually ends in /v1): {exc}") from exc
            except openai.APIStatusError as exc:
                raise LLMUnavailable(f"{self.backend_name} at {self._where()} answered HTTP {exc.status_code} "
                                     f"(after {self.max_retries} retries where retryable): {exc}") from exc
        raise AssertionError("unreachable")

    def _where(self) -> str:
        return self._chat_url or self._base_url or "https://api.openai.com/v1"


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return content if isinstance(content, str) else ""


def _strip_code_fence(text: str) -> str:
    match = _FENCED_CODE.match(text or "")
    return match.group(1) if match else (text or "")


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()) or str(exc)


# ---------------------------------------------------------------------------------------------- factory
def _install_local_exit_handlers() -> None:
    """SIGTERM/SIGHUP stop this process's local server cleanly (local_llm.install_exit_handlers). Done at import,
    from the main thread, because only the main thread may set signal handlers and the server is often started
    from another one (the UI's warm-up thread); remote-only configurations are left untouched."""
    if not Settings.from_env().uses_remote_llm:
        from assistant.core.local_llm import install_exit_handlers

        install_exit_handlers()


_install_local_exit_handlers()
_CLIENTS: dict[tuple, LLMClient] = {}
_FACTORY_LOCK = threading.Lock()


def _backend_key(settings: Settings) -> tuple:
    if settings.uses_remote_llm:
        return ("remote", settings.openai_base_url, settings.openai_api_key, settings.llm_model,
                settings.llm_timeout_s, settings.llm_max_retries)
    # One local server per process, whatever workspace later settings name (see local_llm docstring).
    return ("local", settings.local_model_path, settings.llm_timeout_s, settings.llm_max_retries)


def build_llm(settings: Settings) -> LLMClient:
    """A new client for `settings` (get_llm shares one per backend; use this only when you need a private one)."""
    method_override = settings.llm_structured_method
    if settings.uses_remote_llm:
        model = settings.llm_model or DEFAULT_REMOTE_MODEL
        host = urlparse(settings.openai_base_url).netloc if settings.openai_base_url else "api.openai.com"
        return LLMClient(base_url=settings.openai_base_url, api_key=settings.openai_api_key, model=model,
                         timeout=settings.llm_timeout_s, max_retries=settings.llm_max_retries,
                         structured_method=method_override or "json_schema", backend_name=f"{model} ({host})")
    from assistant.core.local_llm import MODEL_LABEL, SERVED_MODEL_ALIAS

    label = Path(settings.local_model_path).stem if settings.local_model_path else MODEL_LABEL
    return LLMClient(model=SERVED_MODEL_ALIAS, timeout=settings.llm_timeout_s,
                     max_retries=settings.llm_max_retries,
                     structured_method=method_override or "llama_json_schema",
                     backend_name=f"local llama.cpp ({label})", local=_LocalEndpoint(settings))



def optional_llm(llm, use_llm: bool, purpose: str):
    """The LLM a writer should use, or None for its template path: the given one, else the configured one when
    `use_llm`; an unavailable model is logged and means templates (the writers never block on it). A batch of
    words starts here, so the local server is first fitted to the cores free now (`LLMClient.prepare_batch`)."""
    if not use_llm:
        return None
    if llm is None:
        try:
            llm = get_llm()
        except LLMUnavailable as exc:
            logging.getLogger(__name__).warning("no LLM for %s (%s): template %s", purpose, exc, purpose)
    prepare = getattr(llm, "prepare_batch", None)  # test doubles that are not LLMClients need not have it
    if prepare is not None:
        prepare()  # a batch of words starts: let the local server use the cores free now
    return llm


def get_llm(settings: Settings | None = None) -> LLMClient:
    """The process-wide client for the configured backend; the local server starts at the first call."""
    settings = settings or Settings.from_env()
    key = _backend_key(settings)
    with _FACTORY_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = build_llm(settings)
        return client


def reset_llm() -> None:
    """Forget the shared clients and stop the local servers this process started (tests, reconfiguration)."""
    with _FACTORY_LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        if client._local is not None:
            client._local.stop()
