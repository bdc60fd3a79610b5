"""The Gradio app entry point (`python app.py`); the app itself lives in `assistant.ui` so `mkt ui` finds it."""
from assistant.ui import build_app, launch

demo = build_app()

if __name__ == "__main__":
    launch(demo=demo)
