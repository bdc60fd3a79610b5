"""Chat tab: the conversation with the assistant (EN / 中文)."""
from __future__ import annotations

import gradio as gr

from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message


def respond(message: str, history: list, state: Session | None):
    """Stream the assistant's reply into the chat (tables inline as Markdown, charts as plots). The session's
    agent keeps the conversation, so follow-ups ("and for segment 3?", "yes") work across turns."""
    state = session_of(state)
    history = list(history or []) + [{"role": "user", "content": message}]
    base = len(history)
    try:
        for reply in state.agent.respond(message):
            messages = [{"role": "assistant", "content": reply.text}]
            if reply.figure is not None:
                messages.append({"role": "assistant", "content": gr.Plot(reply.figure)})
            if reply.file:
                messages.append({"role": "assistant", "content": gr.File(reply.file)})
            if state.agent.assistant is not state.assistant:   # "reopen the saved workspace" in the chat
                state.assistant = state.agent.assistant
            yield history[:base] + messages, state, ""
    except Exception as exc:  # noqa: BLE001 — shown to the user, the session stays usable
        yield history[:base] + [{"role": "assistant", "content": user_message(exc)}], state, ""


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
        send.click(respond, [box, chatbot, state], [chatbot, state, box])
        box.submit(respond, [box, chatbot, state], [chatbot, state, box])
