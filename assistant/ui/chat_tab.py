"""Chat tab: the conversation with the assistant (EN / 中文)."""
from __future__ import annotations

import bisect

import gradio as gr

from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message


# The browser numbers each message it sends (`_SEND_JS`): two messages sent back to back reach the server as two
# requests that may arrive in either order, and the number puts them back in the order they were typed.
_SEP = "\u0001"
_SEND_JS = f"(message) => ['', (window.mktSent = (window.mktSent || 0) + 1) + '{_SEP}' + message]"


def take_message(sent: str, state: Session | None, request: gr.Request = None):
    """A turn's step outside the queue: the message shows at once, marked as waiting for its turn. (The box was
    emptied in the browser when the message was sent, so nothing the server returns later can wipe what the
    user types next.)"""
    state = session_of(state, request)
    number, _, message = (sent or "").rpartition(_SEP)
    if message.strip():
        if number.isdigit():   # after the messages sent before it; equal numbers keep their arrival order
            bisect.insort(state.waiting, (int(number), message.strip()), key=lambda waiting: waiting[0])
        else:                  # not from the browser's send button (the API, a test): last
            state.waiting.append((state.waiting[-1][0] if state.waiting else 0, message.strip()))
    return _view(state), state


def respond(state: Session | None, request: gr.Request = None):
    """Answer the waiting messages oldest first, streaming each reply into the chat (tables inline as Markdown,
    charts as plots). One turn at a time per session: the chat shows the session's own transcript, not what the
    browser sent, so two quick messages cannot overwrite each other's replies; a job drains every waiting message
    (the browser may drop a trigger sent while one is pending). The session's agent keeps the conversation, so
    follow-ups ("and for segment 3?", "yes") work across turns."""
    state = session_of(state, request)
    with state.turn:
        while state.waiting:
            state.live = [{"role": "user", "content": state.waiting.pop(0)[1]}]
            try:
                for reply in state.agent.respond(state.live[0]["content"]):
                    messages = [{"role": "assistant", "content": reply.text}]
                    if reply.figure is not None:
                        messages.append({"role": "assistant", "content": gr.Plot(reply.figure)})
                    if reply.file:
                        messages.append({"role": "assistant", "content": gr.File(reply.file)})
                    if state.agent.assistant is not state.assistant:   # "reopen the saved workspace" in the chat
                        state.assistant = state.agent.assistant
                    state.live = state.live[:1] + messages
                    yield _view(state), state
            except Exception as exc:  # noqa: BLE001 — shown to the user, the session stays usable
                state.live = state.live[:1] + [{"role": "assistant", "content": user_message(exc)}]
            state.transcript += state.live
            state.live = []
        yield _view(state), state


def _view(state: Session) -> list[dict]:
    """The chat as shown: finished turns, the running one, then messages waiting for their turn."""
    return state.transcript + state.live + [{"role": "user", "content": text} for _, text in state.waiting]


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Chat"):
        chatbot = gr.Chatbot(elem_id="chat", height=520, label="Assistant", allow_tags=False, **SAFE_MARKDOWN)
        with gr.Row():
            box = gr.Textbox(elem_id="chat-input", placeholder="e.g. split my customers into 5 groups · 给高价值客户写一条促销短信",
                             show_label=False, scale=8)
            send = gr.Button("Send", elem_id="chat-send", variant="primary", scale=1)
        gr.Examples(["split my customers into 5 groups", "which segment is most likely to churn?",
                     "how many customers do we have and what's the average order value?",
                     "compare segment 0 and 1", "what should I recommend to household 1029?",
                     "how did campaign 18 do?", "who should the next campaign target?",
                     "哪个品类卖得最好？", "给高价值客户写一条促销短信", "下次活动应该针对哪些人？"], inputs=box)
        sent = gr.Textbox(visible=False)  # the message just sent, moved out of the box in the browser
        for event in (send.click, box.submit):
            # every send counts ("multiple"): a message sent while another is on its way is not dropped
            event(None, [box], [box, sent], js=_SEND_JS, trigger_mode="multiple").then(
                take_message, [sent, state], [chatbot, state], queue=False, trigger_mode="multiple").then(
                respond, [state], [chatbot, state], trigger_mode="multiple")
