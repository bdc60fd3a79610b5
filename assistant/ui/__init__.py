"""The Gradio shell: `build_app()` and `launch()`; one module per tab."""
from assistant.ui.app import build_app, launch

__all__ = ["build_app", "launch"]
