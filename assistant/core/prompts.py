"""Prompt files (prompts/*.yaml) → LangChain ChatPromptTemplates. The file format is in prompts/README.md.

Why files: prompts are product text, reviewed and translated like any other; code only names them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate

from assistant.core.errors import DataError
from assistant.core.settings import PROMPTS_DIR
from assistant.core.vocabulary import LANGUAGES, language_of  # noqa: F401 (LANGUAGES: re-exported)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


class PromptError(ValueError):
    """A prompt file is missing, malformed, or called with the wrong variables."""


class PromptNotFound(PromptError, LookupError):
    """No prompt file of that name, or no block for that language in it."""


@dataclass(frozen=True)
class PromptSpec:
    """One parsed prompt file."""

    name: str
    version: int
    description: str
    untrusted: frozenset[str]
    languages: dict[str, tuple[str, str]]  # language -> (system, user)
    path: Path
    temperature: float = 0.3
    max_tokens: int = 512

    def variables(self, language: str) -> frozenset[str]:
        return frozenset(self.template(language, fence_notice=None).input_variables)

    def untrusted_variables(self, language: str) -> frozenset[str]:
        names = self.variables(language)
        return frozenset(n for n in names if n.endswith("_untrusted") or n in self.untrusted)

    def template(self, language: str, *, fence_notice: str | None) -> ChatPromptTemplate:
        language = normalise_language(language)
        if language not in self.languages:
            raise PromptNotFound(
                f"prompt '{self.name}' ({self.path}) has no '{language}' block; it has "
                f"{sorted(self.languages)} — add a '{language}:' section with 'system' and 'user'")
        system, user = self.languages[language]
        if fence_notice:
            # The notice is a plain string; escape braces so ChatPromptTemplate does not see variables in it.
            system = system.rstrip() + "\n\n" + fence_notice.replace("{", "{{").replace("}", "}}")
        return ChatPromptTemplate.from_messages([("system", system), ("human", user)])


def normalise_language(language: str) -> str:
    """'en', 'EN', 'en-US' → 'en'; 'zh', 'zh-CN', 'zh_Hans' → 'zh' (assistant.core.vocabulary.language_of);
    anything else raises PromptNotFound."""
    try:
        return language_of(language)
    except DataError as exc:
        raise PromptNotFound(str(exc)) from None


def available_prompts(prompts_dir: Path = PROMPTS_DIR) -> list[str]:
    return sorted(p.stem for p in Path(prompts_dir).glob("*.yaml") if not p.stem.startswith("_"))


def read_spec(name: str, prompts_dir: Path = PROMPTS_DIR) -> PromptSpec:
    """Parse prompts/<name>.yaml, with a clear error for unknown names and malformed files."""
    return _read_spec_cached(name, Path(prompts_dir).resolve(), _mtime(Path(prompts_dir) / f"{name}.yaml"))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@lru_cache(maxsize=128)
def _read_spec_cached(name: str, prompts_dir: Path, _mtime_key: float) -> PromptSpec:
    if not _NAME.match(name or ""):
        raise PromptNotFound(
            f"'{name}' is not a prompt name (file names starting with '_' are shared pieces); available: "
            f"{available_prompts(prompts_dir)}")
    path = prompts_dir / f"{name}.yaml"
    if not path.is_file():
        raise PromptNotFound(
            f"no prompt '{name}': {path} does not exist; available: {available_prompts(prompts_dir)}")
    data = _load_yaml(path)
    version, description = data.get("version"), data.get("description")
    if not isinstance(version, int) or not isinstance(description, str):
        raise PromptError(f"{path}: needs 'version: <int>' and 'description: <text>' (see prompts/README.md)")
    untrusted = data.get("untrusted") or []
    if not isinstance(untrusted, list) or not all(isinstance(v, str) for v in untrusted):
        raise PromptError(f"{path}: 'untrusted' must be a list of variable names")
    languages: dict[str, tuple[str, str]] = {}
    for language in LANGUAGES:
        block = data.get(language)
        if block is None:
            continue
        if not isinstance(block, dict) or not all(isinstance(block.get(k), str) for k in ("system", "user")):
            raise PromptError(f"{path}: the '{language}' block needs string fields 'system' and 'user'")
        languages[language] = (block["system"], block["user"])
    if "en" not in languages:
        raise PromptError(f"{path}: an 'en' block with 'system' and 'user' is required")
    temperature, max_tokens = data.get("temperature", 0.3), data.get("max_tokens", 512)
    if not isinstance(temperature, int | float) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise PromptError(f"{path}: 'temperature' must be a number and 'max_tokens' a positive int")
    spec = PromptSpec(name, version, description, frozenset(untrusted), languages, path, float(temperature),
                      max_tokens)
    first: frozenset[str] | None = None
    for language in languages:
        try:
            names = spec.variables(language)
            first = names if first is None else first
        except (ValueError, KeyError) as exc:
            raise PromptError(f"{path}: the '{language}' templates do not parse: {exc} "
                              "(write literal braces as {{ and }})") from exc
        if names != first:
            raise PromptError(f"{path}: the '{language}' block uses variables {sorted(names)}, the 'en' block "
                              f"{sorted(first)}; every language must use the same variables")
    return spec


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptError(f"{path}: must be a YAML mapping (see prompts/README.md)")
    return data


def common_piece(key: str, language: str, prompts_dir: Path = PROMPTS_DIR) -> str:
    """A shared piece from prompts/_common.yaml (fence_notice, repair) in the given language."""
    path = Path(prompts_dir) / "_common.yaml"
    if not path.is_file():
        path = PROMPTS_DIR / "_common.yaml"  # a custom prompts dir may omit the shared pieces
    block = _load_yaml(path).get(key) or {}
    language = normalise_language(language)
    text = block.get(language) or block.get("en")
    if not isinstance(text, str):
        raise PromptError(f"{path}: missing '{key}' text for '{language}'")
    return text


def load_prompt(name: str, language: str = "en", prompts_dir: Path = PROMPTS_DIR) -> ChatPromptTemplate:
    """The ChatPromptTemplate of prompts/<name>.yaml in `language`, with the fence notice when it has untrusted
    variables."""
    spec = read_spec(name, prompts_dir)
    notice = common_piece("fence_notice", language, prompts_dir) if spec.untrusted_variables(language) else None
    return spec.template(language, fence_notice=notice)
