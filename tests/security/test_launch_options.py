"""The security-relevant launch settings, without starting a server: login from Settings, nothing allowed beyond
the app's own files, the saved workspace blocked, a private 0700 files folder and a cache age limit."""
from __future__ import annotations

import stat
import tempfile
from pathlib import Path

from assistant.core.settings import Settings


def test_no_extra_paths_are_served_and_the_workspace_is_blocked(monkeypatch, tmp_path):
    from assistant.ui.app import launch_options
    monkeypatch.setenv("MKT_WORKSPACE", str(tmp_path / "ws"))
    options = launch_options()
    assert options["allowed_paths"] == []
    assert options["blocked_paths"] == [str((tmp_path / "ws").resolve())]
    assert tempfile.gettempdir() not in options["allowed_paths"]


def test_login_comes_from_settings_only_when_both_are_set(monkeypatch):
    from assistant.ui.app import launch_options
    monkeypatch.delenv("MKT_UI_PASSWORD", raising=False)
    monkeypatch.setenv("MKT_UI_USER", "marketer")
    assert launch_options()["auth"] is None
    monkeypatch.setenv("MKT_UI_PASSWORD", "pw")
    assert launch_options()["auth"] == ("marketer", "pw")
    assert "pw" not in repr(Settings.from_env())  # secrets stay out of logs
    monkeypatch.setenv("MKT_UI_MAX_UPLOAD", "5mb")
    assert launch_options()["max_file_size"] == "5mb"


def test_files_live_in_a_private_folder_with_a_cache_age_limit():
    import os
    from assistant.ui.app import CACHE_CLEANUP, build_app
    from assistant.ui.session import files_root, gradio_cache_dir, sessions_root
    for folder in (sessions_root(), gradio_cache_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.parent == files_root()
    assert Path(os.environ["GRADIO_TEMP_DIR"]) == gradio_cache_dir()
    demo = build_app(warm_up=False)
    assert demo.delete_cache == CACHE_CLEANUP == (1800, 4 * 3600)


def test_the_files_folder_is_removed_when_the_server_process_exits():
    import subprocess
    import sys
    code = ("from assistant.ui.session import new_session, files_root\n"
            "root = files_root(); (root / 'sessions' / 'x.txt').write_text('data'); print(root)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    root = Path(out.stdout.strip().splitlines()[-1])
    assert root.name.startswith("mkt-ui-") and not root.exists()
