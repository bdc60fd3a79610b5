"""Chat turns in the UI: a message sent while a turn runs waits for it, and nothing the user types is wiped."""
from __future__ import annotations

import threading
from types import SimpleNamespace

from assistant.ui.chat_tab import respond, take_message
from assistant.ui.session import Session


class SlowAgent:
    """Streams two partial replies per message; the first message blocks until `release` is set."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.release = threading.Event()
        self.started = threading.Event()

    def respond(self, message):
        yield SimpleNamespace(text=f"working on {message}", figure=None, file=None)
        if message == "first":
            self.started.set()
            assert self.release.wait(10)
        yield SimpleNamespace(text=f"answer to {message}", figure=None, file=None)


def _session(tmp_path) -> Session:
    assistant = SimpleNamespace(workspace=tmp_path)
    session = Session(assistant, tmp_path)
    session._agent = SlowAgent(assistant)
    return session


def _drain(state, out: list):
    for chat, _ in respond(state):
        out.append(chat)


def test_a_message_sent_during_a_turn_waits_and_both_replies_stay(tmp_path):
    state = _session(tmp_path)
    chat, state = take_message("first", state)
    assert chat == [{"role": "user", "content": "first"}]
    first: list = []
    one = threading.Thread(target=_drain, args=(state, first))
    one.start()
    assert state.agent.started.wait(10)
    chat, _ = take_message("second", state)          # typed and sent while the first turn runs
    assert [m["content"] for m in chat] == ["first", "working on first", "second"]
    second: list = []
    two = threading.Thread(target=_drain, args=(state, second))
    two.start()
    two.join(0.5)
    assert two.is_alive()                                  # waits for the running turn
    state.agent.release.set()
    one.join(10), two.join(10)
    assert [m["content"] for m in state.transcript] == ["first", "answer to first", "second", "answer to second"]
    assert second[-1] == state.transcript and not state.waiting


def test_no_server_step_writes_to_the_input_box(tmp_path):
    """Both steps output only the chat and the state (the box is emptied in the browser at send): a draft typed
    while a turn runs survives."""
    state = _session(tmp_path)
    assert len(take_message("second", state)) == 2
    assert all(len(update) == 2 for update in respond(state))


def test_an_empty_message_changes_nothing(tmp_path):
    state = _session(tmp_path)
    chat, _ = take_message("   ", state)
    assert chat == [] and list(respond(state))[-1][0] == []


def test_actions_racing_at_a_page_start_share_one_session(monkeypatch, tmp_path):
    """Two messages sent at once on a fresh page both arrive before either returned the state: they must land
    in one session (one chat), not two."""
    import assistant.ui.session as session_module
    monkeypatch.setattr(session_module, "new_session", lambda: _session(tmp_path))
    request = SimpleNamespace(session_hash="browser-1")
    _, one = take_message("first", None, request)
    chat, two = take_message("second", None, request)
    assert one is two and [m["content"] for m in chat] == ["first", "second"]
    _, other = take_message("hello", None, SimpleNamespace(session_hash="browser-2"))
    assert other is not one


def test_messages_that_arrive_out_of_order_wait_in_the_order_they_were_sent(tmp_path):
    """The browser numbers what it sends; two requests sent back to back may reach the server either way round."""
    from assistant.ui.chat_tab import _SEP
    state = _session(tmp_path)
    take_message(f"2{_SEP}what's the average order value?", state)
    chat, _ = take_message(f"1{_SEP}how many customers do we have?", state)
    assert [m["content"] for m in chat] == ["how many customers do we have?", "what's the average order value?"]
    chat, _ = take_message("typed elsewhere", state)                  # no number (the API): last
    assert chat[-1]["content"] == "typed elsewhere"
