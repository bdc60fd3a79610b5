"""The privacy choke point of every LLM call: what may go into a prompt, and fencing of untrusted text.

`assistant.core.llm.LLMClient` runs `check_payload` on every call's variables and `fence` on every untrusted
variable, so no caller can send a DataFrame, a raw row or a person identifier by mistake, and no product
title or chat message can pose as instructions. What may be sent is documented in prompts/README.md.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

FENCE_START = "<<<UNTRUSTED DATA>>>"
FENCE_END = "<<<END UNTRUSTED DATA>>>"

# Keys that point at one person (or one basket of one person). Compared after lower-casing and removing
# "_", "-" and spaces, so "User ID", "userId" and "user-id" are caught too.
IDENTIFIER_KEYS: frozenset[str] = frozenset({
    "userid", "userids", "customerid", "customerids", "householdkey", "household", "clientid", "memberid",
    "accountid", "basketid", "orderid", "email", "emailaddress", "phone", "phonenumber", "mobile",
    "address", "ip", "ipaddress", "deviceid", "cookieid", "customername", "fullname",
})

_SCALARS = (str, int, float, bool, type(None))
# Runs of 2+ angle-bracket-like characters (after NFKC, which maps fullwidth ＜ to <) and the marker words.
_ANGLE_RUN = re.compile(r"[<>‹›«»〈〉《》⟨⟩❮❯]{2,}")
_MARKER_WORDS = re.compile(r"(END[\s_\-]*)?UNTRUSTED[\s_\-]*DATA", re.IGNORECASE)


class PrivacyError(ValueError):
    """A caller tried to send something to the LLM that must never leave the machine in a prompt."""


def _normalise_key(key: str) -> str:
    return re.sub(r"[\s_\-]", "", str(key)).lower()


def check_payload(variables: Mapping[str, Any]) -> None:
    """Refuse anything but plain scalars and lists/dicts of them, and any key naming a person identifier.

    Why a type allow-list rather than a deny-list: DataFrames, Series, numpy arrays, pydantic models and
    dataclass rows all stringify into prompts silently; allowing only JSON-like values makes each caller
    build the aggregate it means to send, explicitly.
    """
    for name, value in variables.items():
        _check_value(value, path=name)


def _check_value(value: Any, *, path: str) -> None:
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if _normalise_key(key) in IDENTIFIER_KEYS:
        raise PrivacyError(
            f"LLM payload '{path}' is named like a person identifier; user ids, baskets and contact data "
            "never go into prompts — send segment-level aggregates instead (see prompts/README.md)")
    if isinstance(value, _SCALARS) or _is_numpy_scalar(value):
        return
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            if not isinstance(sub_key, str):
                raise PrivacyError(f"LLM payload '{path}' has a non-string key {sub_key!r}; use str keys")
            _check_value(sub_value, path=f"{path}.{sub_key}")
        return
    if type(value) in (list, tuple):  # not namedtuples: those are what itertuples() rows look like
        for index, item in enumerate(value):
            _check_value(item, path=f"{path}[{index}]")
        return
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    hint = ""
    if "pandas" in kind or "numpy" in kind:
        hint = " — tables and raw rows never go into prompts; aggregate to a segment-level dict first"
    raise PrivacyError(
        f"LLM payload '{path}' is a {kind}; only str, int, float, bool, None and lists/dicts of those may be "
        f"sent{hint} (see prompts/README.md)")


def _is_numpy_scalar(value: Any) -> bool:
    """numpy scalars (np.int64 from a pandas aggregate) are single numbers, not rows: allowed."""
    return type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0 and hasattr(value, "item")


def neutralise(text: str) -> str:
    """Remove anything inside untrusted text that could read as a fence marker."""
    text = unicodedata.normalize("NFKC", text)
    text = _ANGLE_RUN.sub(lambda m: "\u2039" if m.group(0)[0] in "<‹«〈《⟨❮" else "\u203a", text)
    return _MARKER_WORDS.sub("[marker removed]", text)


def fence(text: str) -> str:
    """Wrap untrusted text between the fence markers, after neutralising marker look-alikes inside it."""
    return f"{FENCE_START}\n{neutralise(text)}\n{FENCE_END}"


def render_value(value: Any) -> str:
    """How a payload value appears in a prompt: strings as is, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "),
                      default=lambda v: v.item() if _is_numpy_scalar(v) else str(v))
