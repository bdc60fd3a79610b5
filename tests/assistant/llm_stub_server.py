"""A scriptable loopback OpenAI-compatible stub for fault tests of assistant.core.llm (http.server in a thread).

    with StubLLMServer() as stub:
        stub.script(Reply.error(500), Reply.ok("hello"))
        client = LLMClient(base_url=stub.url, ...)

Each chat request takes the next scripted Reply; the stub records every request (body, headers, arrival time).
Run as a script (`python llm_stub_server.py --port N`) it serves /v1/models and answers every chat with
"stub" — the stand-in for the llama.cpp server in the local server manager tests.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content: str | None = None  # assistant message text (200 replies)
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # raw body for error replies
    delay: float = 0.0  # seconds to wait before answering (a hang when longer than the client timeout)
    finish_reason: str = "stop"  # "length": the answer was cut at max_tokens

    @classmethod
    def ok(cls, content: str, delay: float = 0.0, finish_reason: str = "stop") -> "Reply":
        return cls(200, content=content, delay=delay, finish_reason=finish_reason)

    @classmethod
    def error(cls, status: int, *, headers: dict[str, str] | None = None, message: str = "stub error") -> "Reply":
        body = json.dumps({"error": {"message": message, "type": "stub", "code": status}})
        return cls(status, headers=headers or {}, body=body)

    @classmethod
    def hang(cls, seconds: float) -> "Reply":
        return cls(200, content="too late", delay=seconds)


@dataclass(frozen=True)
class Received:
    path: str
    body: dict
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


def _completion(content: str, model: str, finish_reason: str = "stop") -> dict:
    return {"id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(delta: dict, model: str, finish: str | None = None) -> dict:
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class StubLLMServer:
    """Loopback OpenAI-compatible server answering from a script of Replies."""

    def __init__(self, default: Reply | None = None, host: str = "127.0.0.1", port: int = 0):
        self.default = default or Reply.error(500, message="no scripted reply left", headers={"x-should-retry": "false"})
        self.received: list[Received] = []
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="stub-llm", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.received if r.path.endswith("/chat/completions")]

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def _next(self) -> Reply:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def start(self) -> "StubLLMServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "StubLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None,
                      content_type: str = "application/json") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/v1/models"):
                    self._send(200, json.dumps({"object": "list", "data": [
                        {"id": "local", "object": "model", "owned_by": "stub"}]}))
                else:
                    self._send(404, json.dumps({"error": {"message": "not found"}}))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_unparsed": raw.decode(errors="replace")}
                stub.received.append(Received(self.path, body, dict(self.headers), time.monotonic()))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, json.dumps({"error": {"message": "not found"}}))
                    return
                reply = stub._next()
                if reply.delay and stub._stopping.wait(reply.delay):
                    return
                if reply.status != 200:
                    self._send(reply.status, reply.body or "{}", reply.headers)
                    return
                model = body.get("model", "local")
                if not body.get("stream"):
                    self._send(200, json.dumps(_completion(reply.content or "", model, reply.finish_reason)), reply.headers)
                    return
                pieces = [reply.content[i:i + 4] for i in range(0, len(reply.content or ""), 4)]
                events = [_chunk({"role": "assistant", "content": ""}, model)]
                events += [_chunk({"content": piece}, model) for piece in pieces]
                events.append(_chunk({}, model, finish="stop"))
                text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
                self._send(200, text, reply.headers, content_type="text/event-stream")

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = StubLLMServer(default=Reply.ok("stub"), port=args.port)
    server._thread.run()  # serve in the main thread until killed


if __name__ == "__main__":
    main()
