"""The file route of the real app (HTTP, no browser): a session's own download is served; a secret in the temp
folder, in another session's folder or in the saved workspace is refused, however the path is written."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
import pytest

SECRET = "customer-secret-4711"


def fetch(url: str, path: str) -> httpx.Response:
    return httpx.get(f"{url}gradio_api/file={path}", timeout=30)


@pytest.fixture(scope="module")
def report_download(app_url, tmp_path_factory):
    """One browser-like session (gradio_client keeps its session): upload a small export, write the report."""
    from gradio_client import Client, handle_file
    events = tmp_path_factory.mktemp("upload") / "events.csv"
    events.write_text("user_id,item_id,timestamp,revenue,title\n" + "\n".join(
        f"u{u},i{(u * k) % 7},2024-03-{1 + (u + k) % 27:02d},{1 + k + u % 4},Product {(u * k) % 7}"
        for u in range(60) for k in range(1, 5)) + "\n", encoding="utf-8")
    client = Client(app_url, download_files=False, verbose=False)
    status, _ = client.predict(handle_file(str(events)), None, None, "", api_name="/load_user_data")
    assert "Loaded: 60 customers" in status, status
    files, status = client.predict("en", api_name="/make_report")
    assert "Report written" in status, status
    return files


def test_own_report_download_works(app_url, report_download):
    html_file = next(f for f in report_download if f["path"].endswith(".html"))
    response = httpx.get(html_file["url"], timeout=30)
    assert response.status_code == 200 and "<html" in response.text.lower()
    from assistant.ui.session import gradio_cache_dir
    assert Path(html_file["path"]).resolve().is_relative_to(gradio_cache_dir())  # served from the app's own cache


def test_secrets_elsewhere_are_refused(app_url, report_download, tmp_path):
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
            for spelling in (str(path), os.path.relpath(path)):
                response = fetch(app_url, spelling)
                assert response.status_code in (403, 404), (spelling, response.status_code)
                assert SECRET not in response.text
        # the report's own session folder is not served directly either: only Gradio's copy is
        own = next(p for p in sessions_root().rglob("persona_report.html"))
        assert fetch(app_url, str(own)).status_code in (403, 404)
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
    copy = Path(save_file_to_cache(report, str(gradio_cache_dir())))
    assert fetch(app_url, str(copy)).status_code == 200
    close_session(session)
    assert not session.folder.exists() and not copy.exists()
    assert fetch(app_url, str(copy)).status_code in (403, 404)
