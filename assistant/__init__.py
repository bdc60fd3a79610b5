"""LLM-augmented e-commerce marketing assistant."""
from assistant.config import offline_environment

offline_environment()
