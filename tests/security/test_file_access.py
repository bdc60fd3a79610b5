"""The per-browser file grant middleware on a small Starlette app (the real app is tested in test_file_serving):
paths handed to a browser in JSON or an event stream are served to that browser only; no spelling of a path,
no forged cookie and no path outside the cache gets through."""
from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.ui.file_access import COOKIE, FileAccessMiddleware, FileGrants


@pytest.fixture()
def app(tmp_path):
    cache = tmp_path / "cache"
    (cache / "h1").mkdir(parents=True)
    mine = cache / "h1" / "report.html"
    mine.write_text("mine")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")

    async def output(request):  # an event output, as an event stream split in the middle of the path
        message = json.dumps({"data": [{"path": str(mine), "url": "x"}, {"path": str(outside)}]})
        half = len(message) // 2 - 10
        return StreamingResponse(iter([f"data: {message[:half]}".encode(), f"{message[half:]}\n\n".encode()]),
                                 media_type="text/event-stream")

    async def page(request):
        return PlainTextResponse("the page")

    async def serve(request):
        return PlainTextResponse(open(request.path_params["path"]).read())

    grants = FileGrants()
    starlette = Starlette(routes=[Route("/out", output), Route("/page", page), Route("/gradio_api/file={path:path}", serve)],
                          middleware=[Middleware(FileAccessMiddleware, roots=lambda: [cache], grants=grants)])
    return starlette, mine, outside, grants


def test_files_are_served_only_to_the_browser_they_were_handed_to(app):
    starlette, mine, outside, grants = app
    owner, other, anonymous = TestClient(starlette), TestClient(starlette), TestClient(starlette)
    owner.get("/out")
    other.get("/page")  # another browser: its own cookie, nothing handed to it
    assert owner.cookies[COOKIE] != other.cookies[COOKIE]
    assert owner.get(f"/gradio_api/file={mine}").text == "mine"
    assert other.get(f"/gradio_api/file={mine}").status_code == 403
    for path in (str(mine), f"{mine.parent}/../h1/report.html", f"{mine}%0Ax"):  # (%0A: a newline)
        assert anonymous.get(f"/gradio_api/file={path}").status_code == 403
    forged = TestClient(starlette, cookies={COOKIE: "f" * 32})
    assert forged.get(f"/gradio_api/file={mine}").status_code == 403
    # a path outside the cache is never granted, even when a response names it
    assert owner.get(f"/gradio_api/file={outside}").status_code == 403
    assert len(grants) == 1


def test_the_cookie_is_private_to_the_page(app):
    starlette, *_ = app
    response = TestClient(starlette).get("/out")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
