"""LLM-augmented e-commerce marketing assistant."""
from assistant.core.settings import offline_environment

offline_environment()
