"""Small text helpers shared by every layer (one home each).

Output encoding lives here, once: untrusted text (product titles, category names, persona names written from
them, file names, error messages) is encoded by exactly one of these helpers, at the point where it is put into
the format that reaches the browser:

- `markdown_literal` for Markdown (chat replies, `gr.Markdown`, Markdown tables, the Markdown report);
- `plot_label` for Plotly labels (Plotly reads a subset of HTML tags in text);
- nothing for `gr.Dataframe` cells and JSON: Gradio shows those as text, so escaping them would show
  `&amp;` to the user (double escaping);
- HTML pages escape through Jinja2's autoescape (segmentation/report.py), not through these helpers.
"""
from __future__ import annotations

import html
import re
import unicodedata


def normalise(text: str) -> str:
    """NFKC (full-width digits/letters/％ → ASCII), lower case, single spaces."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"\s+", " ", text).strip()


# Characters that start Markdown/HTML constructs anywhere in a line: emphasis, code spans and fences, links and
# images, raw HTML, table cells, strikethrough, LaTeX. A backslash before ASCII punctuation is CommonMark's own
# escape, so the rendered text shows the original character and nothing else.
_MD_INLINE = re.compile(r"([\\`*\[\]<>|~$]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
# (an underscore inside a word, as in file_name.csv, never starts emphasis in CommonMark: left as it is)
# An `&` that would start an entity (&lt; &#60; &#x3c;) must not be decoded into the character it names.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Constructs that only count at the start of a line (headings, lists, block quotes, setext rules).
_MD_LINE_START = re.compile(r"^(\s*\d*)([#+\-=.)])(?=\s|$)")


def title_case(text: object) -> str:
    """Headline capitals for names built from data ("shopper's choice" → "Shopper's Choice", "WINE & SOFT
    DRINKS" → "Wine & Soft Drinks", "UHT milk and BBQ sauce" → "UHT Milk and BBQ Sauce").

    `str.title()` capitalises after every apostrophe ("Shopper'S") and lower-cases acronyms ("Uht"); the
    `titlecase` package (John Gruber's rules) keeps both right and leaves small words ("and", "of") lower."""
    from titlecase import titlecase
    return titlecase(str(text))


def markdown_literal(value: object) -> str:
    """Untrusted text made safe to put inside Markdown that a browser renders: it shows as the very same
    characters, never as HTML, a link, an image, emphasis, a code fence or a new table cell or line.

    Line breaks become spaces (a value is one inline run of text). Use it exactly once, where the value is
    placed into Markdown; never on text that is shown as plain text (table cells, plain strings)."""
    text = re.sub(r"[\r\n\u2028\u2029]+", " ", str(value))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def plot_label(value: object) -> str:
    """Untrusted text for a Plotly title, legend or hover label (Plotly renders <b>, <a href>, <br> in text)."""
    return html.escape(str(value), quote=True)


class Bilingual:
    """Lines written in English and Chinese side by side (plan reasons, evaluation notes): a reply shows the
    list of its language, so a Chinese reader never gets an English note."""

    def __init__(self):
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, en: str, zh: str) -> None:
        self.en.append(en)
        self.zh.append(zh)


def in_language(en: tuple[str, ...], zh: tuple[str, ...], language: str) -> tuple[str, ...]:
    """The lines of `language` from an (English, Chinese) pair of line lists kept side by side (a `Bilingual`'s
    two lists, stored on a result): the Chinese ones for a Chinese reader when there is one per English line,
    else the English ones (results saved before the Chinese were written have none)."""
    return tuple(zh) if language == "zh" and len(zh) == len(en) else tuple(en)
