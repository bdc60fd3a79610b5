"""Files are served only to the browser they were handed to.

Gradio serves every file in its cache to anyone who knows the path (`/gradio_api/file=<path>`; its file-access
guide says so: the cache is shared by all users). The cache keys are `sha256(installation seed + content)`, so
a URL is hard to guess, but it is not private: it can leak (history, logs, a shared screen) and is then valid
for any browser until the copy is deleted. This ASGI middleware closes that gap without touching Gradio:

- every browser gets a random, HttpOnly, SameSite=Strict cookie (`mkt_files`) on its first response;
- every file path Gradio hands to a browser in a JSON or event-stream response (upload results, event outputs,
  the page config) is recorded as granted to that cookie;
- a `file=` request is answered only when the requesting cookie was handed that very file (after normalising
  the path the way Gradio does); anything else gets 403 — another browser, no cookie, a guessed path, a file
  outside Gradio's cache. Gradio's own checks (allowed/blocked paths, login) still run after this one.

Hand-written because Gradio has no per-session file access control (gradio.app/guides/file-access) and the
file route carries no session id; a cookie is what a browser sends with a plain download link.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Callable

COOKIE = "mkt_files"
_FILE_ROUTE = re.compile(r"/file=(?P<path>.*)\Z", re.S)  # (any character, newlines too: no way around it)
# a file path in Gradio's JSON: "path": "<json string>" (quotes inside data are escaped, so data cannot fake it)
_PATH_FIELD = re.compile(rb'"path"\s*:\s*"((?:[^"\\]|\\.)*)"')
_SCANNED_TYPES = (b"application/json", b"text/event-stream")
_TAIL = 4096  # bytes kept between body chunks so a path split across two chunks is still seen


def normalised(path: str) -> str:
    """The file a `file=` path names, as Gradio resolves it (relative to the working folder, `..` and links
    resolved)."""
    return str(Path(os.path.abspath(path)).resolve())


class FileGrants:
    """Which browser (cookie) was handed which file. Thread-safe; forgets files that no longer exist."""

    def __init__(self):
        self._owners: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def grant(self, token: str, path: str) -> None:
        with self._lock:
            self._owners.setdefault(normalised(path), set()).add(token)

    def allowed(self, token: str | None, path: str) -> bool:
        if not token:
            return False
        with self._lock:
            return token in self._owners.get(normalised(path), ())

    def forget_missing(self) -> None:
        """Drop grants of deleted files (the session ended, or the cache was cleaned)."""
        with self._lock:
            for path in [p for p in self._owners if not os.path.exists(p)]:
                del self._owners[path]

    def __len__(self) -> int:
        return len(self._owners)


GRANTS = FileGrants()


def _cookie(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is the same as none
                return None
            if COOKIE in jar and re.fullmatch(r"[0-9a-f]{32}", jar[COOKIE].value):
                return jar[COOKIE].value
    return None


class FileAccessMiddleware:
    """ASGI middleware (see the module docstring). `roots`: the folders whose files Gradio hands out (its
    cache); paths outside them are never granted."""

    def __init__(self, app, roots: Callable[[], list[Path]], grants: FileGrants = GRANTS):
        self.app, self.roots, self.grants = app, roots, grants

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = _cookie(scope)
        match = _FILE_ROUTE.search(scope.get("path", ""))
        if match and not match.group("path").startswith(("http://", "https://")):
            if not self.grants.allowed(token, match.group("path")):
                return await _refuse(send)
            return await self.app(scope, receive, send)
        new_token = token or secrets.token_hex(16)
        state = {"scan": False, "tail": b"", "upload": scope.get("path", "").endswith("/upload"), "body": b""}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                state["scan"] = content_type.startswith(_SCANNED_TYPES)
                if token is None:
                    headers.append((b"set-cookie", f"{COOKIE}={new_token}; Path=/; HttpOnly; SameSite=Strict"
                                    .encode("latin-1")))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and state["scan"]:
                if state["upload"]:  # the upload route answers with a JSON list of the stored paths
                    state["body"] += message.get("body", b"")
                    if not message.get("more_body"):
                        self._grant_uploads(new_token, state["body"])
                else:
                    self._grant_paths(new_token, state, message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _grant(self, token: str, path: object) -> None:
        """Grant `path` to `token` if it is a file in Gradio's cache (nothing else is ever granted)."""
        if isinstance(path, str) and path:
            roots = [str(r) for r in self.roots()]
            if any(normalised(path).startswith(root + os.sep) for root in roots):
                self.grants.grant(token, path)

    def _grant_paths(self, token: str, state: dict, chunk: bytes) -> None:
        data = state["tail"] + chunk
        for raw in _PATH_FIELD.findall(data):
            try:
                self._grant(token, json.loads(b'"' + raw + b'"'))
            except ValueError:
                continue
        state["tail"] = data[-_TAIL:]

    def _grant_uploads(self, token: str, body: bytes) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        for path in paths if isinstance(paths, list) else ():
            self._grant(token, path)


async def _refuse(send) -> None:
    body = b'{"detail": "File not allowed."}'
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
