"""The file route of the real app (HTTP, no browser): a session's own download is served to its own browser
only (another browser's cookie, or none, is refused); a secret in the temp folder, in another session's folder or
in the saved workspace is refused, however the path is written."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
import pytest

SECRET = "customer-secret-4711"


def fetch(url: str, path: str, cookies: dict | None = None) -> httpx.Response:
    return httpx.get(f"{url}gradio_api/file={path}", cookies=cookies, timeout=30)


def browser(app_url: str):
    """A client that keeps its cookies, as a browser does (gradio_client stores the first response's cookies)."""
    from gradio_client import Client
    client = Client(app_url, download_files=False, verbose=False)
    from assistant.ui.file_access import COOKIE
    assert COOKIE in client.cookies  # the app handed this browser its files cookie
    return client


@pytest.fixture(scope="module")
def report_download(app_url, tmp_path_factory):
    """One browser-like session (gradio_client keeps its session): upload a small export, write the report."""
    from gradio_client import handle_file
    events = tmp_path_factory.mktemp("upload") / "events.csv"
    events.write_text("user_id,item_id,timestamp,revenue,title\n" + "\n".join(
        f"u{u},i{(u * k) % 7},2024-03-{1 + (u + k) % 27:02d},{1 + k + u % 4},Product {(u * k) % 7}"
        for u in range(60) for k in range(1, 5)) + "\n", encoding="utf-8")
    client = browser(app_url)
    status, _ = client.predict(handle_file(str(events)), None, None, "", api_name="/load_user_data")
    assert "Loaded: 60 customers" in status, status
    files, status = client.predict("en", api_name="/make_report")
    assert "Report written" in status, status
    return files, client.cookies


def test_own_report_download_works_for_its_browser_only(app_url, report_download):
    files, cookies = report_download
    html_file = next(f for f in files if f["path"].endswith(".html"))
    response = httpx.get(html_file["url"], cookies=cookies, timeout=30)
    assert response.status_code == 200 and "<html" in response.text.lower()
    from assistant.ui.session import gradio_cache_dir
    assert Path(html_file["path"]).resolve().is_relative_to(gradio_cache_dir())  # served from the app's own cache
    # the exact URL, from another browser session (its own cookie) or with no cookie at all: refused
    other = browser(app_url)
    for someone_else in (other.cookies, None, {"mkt_files": "0" * 32}):
        response = httpx.get(html_file["url"], cookies=someone_else, timeout=30)
        assert response.status_code == 403 and "<html" not in response.text.lower(), someone_else
    # ... and so is the same file reached by another spelling of its path
    spelled = gradio_cache_dir() / ".." / "gradio" / Path(html_file["path"]).parent.name / Path(html_file["path"]).name
    assert fetch(app_url, str(spelled), other.cookies).status_code == 403
    assert fetch(app_url, str(spelled), cookies).status_code == 200


def test_uploads_are_served_to_the_uploader_only(app_url, tmp_path):
    upload = tmp_path / "customers.csv"
    upload.write_text(f"user_id,item_id\n{SECRET},1\n")
    owner, other = browser(app_url), browser(app_url)
    response = httpx.post(f"{app_url}gradio_api/upload", files={"files": upload.open("rb")},
                          cookies=owner.cookies, timeout=30)
    assert response.status_code == 200, response.text
    path = response.json()[0]
    assert fetch(app_url, path, owner.cookies).status_code == 200
    for cookies in (other.cookies, None):
        response = fetch(app_url, path, cookies)
        assert response.status_code == 403 and SECRET not in response.text


def test_secrets_elsewhere_are_refused(app_url, report_download, tmp_path):
    _, cookies = report_download  # even the browser that holds a download gets nothing else
    from assistant.core.settings import Settings
    from assistant.ui.session import gradio_cache_dir, new_session, sessions_root
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=tempfile.gettempdir(), delete=False) as fh:
        fh.write(SECRET)
    in_temp = Path(fh.name)
    other = new_session()  # another browser session's folder, with a file in it
    in_other_session = other.folder / "reports" / "secret.txt"
    in_other_session.parent.mkdir(parents=True)
    in_other_session.write_text(SECRET)
    workspace = Path(Settings.from_env().workspace)
    saved = workspace / "dataset" / "events.csv"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(f"user_id,item_id\n{SECRET},1\n")
    try:
        for path in (in_temp, in_other_session, saved, Path("/etc/hostname"),
                     # the same files reached through the served cache folder
                     gradio_cache_dir() / ".." / "sessions" / other.folder.name / "reports" / "secret.txt"):
            for spelling, who in ((str(path), None), (os.path.relpath(path), None), (str(path), cookies)):
                response = fetch(app_url, spelling, who)
                assert response.status_code in (403, 404), (spelling, response.status_code)
                assert SECRET not in response.text
        # the report's own session folder is not served directly either: only Gradio's copy is
        own = next(p for p in sessions_root().rglob("persona_report.html"))
        assert fetch(app_url, str(own), cookies).status_code in (403, 404)
    finally:
        in_temp.unlink()
        other.close()


def test_closing_a_session_deletes_its_folder_and_served_copies(app_url):
    from gradio.processing_utils import save_file_to_cache
    from assistant.ui.session import close_session, gradio_cache_dir, new_session
    session = new_session()
    report = session.folder / "reports" / "r.html"
    report.parent.mkdir(parents=True)
    report.write_text("<html>mine</html>")
    from assistant.ui.file_access import COOKIE, GRANTS
    copy = Path(save_file_to_cache(report, str(gradio_cache_dir())))
    token = "ab" * 16
    GRANTS.grant(token, str(copy))  # as if handed to this browser
    assert fetch(app_url, str(copy), {COOKIE: token}).status_code == 200
    close_session(session)
    assert not session.folder.exists() and not copy.exists()
    assert fetch(app_url, str(copy), {COOKIE: token}).status_code in (403, 404)
