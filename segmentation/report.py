"""Segment reports: one self-contained HTML page (opens offline) and a Markdown twin.

HTML: plotly figures with plotly.js inlined once (include_plotlyjs=True on the first figure), so the file works
without network. Every string that came from data or from the LLM (product names, categories, persona text) is
HTML-escaped: by Jinja2's autoescape in the page, and with html.escape before it goes into a figure (plotly.js
renders a subset of HTML in labels). The template is a string here rather than a file so that it ships with
the package without extra package-data rules.
"""
from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assistant.core.vocabulary import markdown_table
from assistant.core.policy import MarketingPolicy, unique_names
from segmentation.personas import Persona
from assistant.core.text import markdown_literal
from segmentation.profiles import RFM_COLUMNS, SegmentProfiles

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans SC",sans-serif;margin:2rem auto;max-width:1200px;
color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .muted{color:#666;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
.card{border:1px solid #ddd;border-radius:10px;padding:1rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.card h3{margin:.1rem 0 .3rem} .tag{font-style:italic;color:#444}
.auto{background:#fff4d6;border:1px solid #e8c35a;padding:.4rem .6rem;border-radius:6px}
table{border-collapse:collapse;margin:.5rem 0} td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
.fig{margin:1rem 0}
</style></head><body>
<h1>{{ title }}</h1>
<p class="muted">{{ generated }} · {{ n_users }} customers · {{ n_segments }} segments · algorithm {{ algorithm }}</p>
{% if any_auto %}<p class="auto">Personas marked "template" were written from the profile by rules: the language
model's text failed a quality check, was too slow or was unavailable.</p>{% endif %}

<h2>Personas</h2>
<div class="cards">
{% for c in cards %}<div class="card">
<h3>{{ c.segment }} · {{ c.name }}</h3>
<div class="muted">{{ c.source }}</div>
<div class="tag">{{ c.tagline }}</div>
<p>{{ c.description }}</p>
<p><b>Size</b> {{ c.size }} ({{ c.share }}) · <b>price sensitivity</b> {{ c.price }}</p>
{% if c.motivations %}<p><b>Motivations</b>: {{ c.motivations|join(", ") }}</p>{% endif %}
{% if c.channels %}<p><b>Channels</b>: {{ c.channels|join(", ") }}{% if c.times %} · <b>when</b>: {{ c.times }}{% endif %}</p>{% endif %}
{% if c.facts %}<p><b>In numbers</b>: {{ c.facts|join("; ") }}</p>{% endif %}
{% if c.offers %}<p><b>Offers</b>: {{ c.offers|join("; ") }}</p>{% endif %}
{% if c.categories %}<p><b>Top categories</b>: {{ c.categories|join(", ") }}</p>{% endif %}
{% if c.products %}<p><b>Top products</b>: {{ c.products|join("; ") }}</p>{% endif %}
{% if c.keywords %}<p><b>Keywords</b>: {{ c.keywords|join(", ") }}</p>{% endif %}
{% if c.distinct %}<p><b>Stands out by</b>: {{ c.distinct|join("; ") }}</p>{% endif %}
</div>{% endfor %}
</div>

<h2>Segments</h2>
{% for f in figures %}<div class="fig">{{ f|safe }}</div>{% endfor %}

<h2>Quality</h2>
<table><tr><th>metric</th><th>value</th><th>how to read it</th></tr>
{% for m in metrics %}<tr><td>{{ m[0] }}</td><td>{{ m[1] }}</td><td>{{ m[2] }}</td></tr>{% endfor %}
</table>
</body></html>
"""

_METRIC_HELP = {
    "silhouette": "-1..1, higher = better separated segments (0.1-0.3 is usual for customer data)",
    "davies_bouldin": "lower = more compact, better separated",
    "calinski_harabasz": "higher = better separated",
    "stability_ari": "0..1: agreement of re-fits on subsamples; below ~0.6 the segments are not stable",
    "unassigned_share": "share of customers in no segment (HDBSCAN noise)",
    "n_users": "customers segmented", "n_segments": "segments found",
}


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _segment_names(profiles: SegmentProfiles, personas: dict[int, Persona] | None) -> dict[int, str]:
    personas = personas or {}
    return {s: (f"{s}: {personas[s].name}" if s in personas else f"{s}: {profiles.overview.loc[s, 'name']}")
            for s in profiles.segments}


def _figures(profiles: SegmentProfiles, segmenter, names: dict[int, str], user_map_2d: pd.DataFrame | None) -> list:
    figs = []
    ov = profiles.overview
    esc = {s: _e(n) for s, n in names.items()}
    figs.append(go.Figure(go.Bar(x=[esc[s] for s in ov.index], y=ov["size"].tolist(),
                                 text=[f"{v:.1%}" for v in ov["share"]], textposition="auto"))
                .update_layout(title="Segment sizes", yaxis_title="customers"))
    points = user_map_2d if user_map_2d is not None else getattr(segmenter, "map_2d_", None)
    if points is not None and len(points):
        fig = go.Figure()
        for s in sorted(points["segment"].unique()):
            pts = points[points["segment"] == s]
            fig.add_trace(go.Scattergl(x=pts["x"].tolist(), y=pts["y"].tolist(), mode="markers",
                                       marker={"size": 4, "opacity": 0.6}, name=esc.get(int(s), _e(s))))
        figs.append(fig.update_layout(title="Customer map (PCA of the segmentation space, sample)",
                                      xaxis_title="PC1", yaxis_title="PC2"))
    q = profiles.rfm_quantiles
    for metric in [m for m in RFM_COLUMNS if m in set(q["metric"])][:4]:
        sub = q[q["metric"] == metric].set_index("segment").reindex(ov.index)
        fig = go.Figure(go.Box(x=[esc[s] for s in sub.index], q1=sub["p25"].tolist(), median=sub["p50"].tolist(),
                               q3=sub["p75"].tolist(), lowerfence=sub["p10"].tolist(),
                               upperfence=sub["p90"].tolist(), name=metric))
        figs.append(fig.update_layout(title=f"{metric} per segment (whiskers: 10th-90th percentile)"))
    tc = profiles.top_categories
    if not tc.empty:
        cats = list(dict.fromkeys(tc.sort_values("spend", ascending=False)["category"]))[:15]
        grid = tc.pivot_table(index="segment", columns="category", values="spend_share").reindex(
            index=ov.index, columns=cats)
        figs.append(go.Figure(go.Heatmap(z=np.nan_to_num(grid.to_numpy()).round(3).tolist(),
                                         x=[_e(c) for c in cats], y=[esc[s] for s in grid.index],
                                         colorscale="Blues", colorbar={"title": "spend share"}))
                    .update_layout(title="Top categories per segment (share of the segment's spend)",
                                   height=200 + 40 * len(ov)))
    curve = getattr(segmenter, "k_curve_", None)
    if curve is not None and len(curve):
        fig = go.Figure([go.Scatter(x=curve["k"].tolist(), y=curve["silhouette"].tolist(), name="silhouette",
                                    mode="lines+markers"),
                         go.Scatter(x=curve["k"].tolist(), y=curve["min_share"].tolist(), name="smallest segment share",
                                    mode="lines+markers", yaxis="y2")])
        figs.append(fig.update_layout(title=f"Choosing k (chosen: {segmenter.n_segments_})", xaxis_title="k",
                                      yaxis2={"overlaying": "y", "side": "right"}))
    return figs


def _shown_categories(categories: list[str], policy: MarketingPolicy) -> list[str]:
    """Category paths as people read them: policy-allowed, last level in consumer words, no repeats."""
    return unique_names(c.split(" > ")[-1] for c in categories if policy.allows(c))


def _cards(profiles: SegmentProfiles, personas: dict[int, Persona] | None,
           policy: MarketingPolicy | None = None) -> list[dict]:
    personas = personas or {}
    policy = policy or MarketingPolicy()
    cards = []
    for s in profiles.segments:
        ov, p = profiles.overview.loc[s], personas.get(s)
        dist = profiles.distinguishing[profiles.distinguishing["segment"] == s]
        dist = dist.reindex(dist["z_score"].abs().sort_values(ascending=False).index).head(4)
        cards.append({
            "segment": s, "name": p.name if p else ov["name"], "tagline": p.tagline if p else "",
            "description": p.description if p else "", "price": p.price_sensitivity if p else "-",
            "motivations": p.motivations if p else [], "channels": p.preferred_channels if p else [],
            "times": p.preferred_times if p else "", "offers": p.suggested_offers if p else [],
            "size": int(ov["size"]), "share": f"{ov['share']:.1%}",
            "categories": _shown_categories(
                profiles.top_categories.loc[profiles.top_categories["segment"] == s, "category"].astype(str).tolist(),
                policy),
            "products": unique_names(r.title for r in profiles.top_products[profiles.top_products["segment"] == s]
                                     .itertuples() if policy.allows(r.category, r.title)),
            "source": f"source: {p.source}" if p else "", "facts": p.facts if p else [],
            "keywords": profiles.keywords.loc[profiles.keywords["segment"] == s, "term"].head(8).tolist(),
            "distinct": [f"{r.feature} (z={r.z_score:+.2f})" for r in dist.itertuples()],
        })
    return cards


def _metrics(segmenter) -> list[tuple[str, str, str]]:
    metrics = getattr(segmenter, "metrics_", {}) or {}
    return [(k, f"{v:.3f}" if isinstance(v, float) else str(v), _METRIC_HELP.get(k, "")) for k, v in metrics.items()]


def write_report(profiles: SegmentProfiles, personas: dict[int, Persona] | None, segmenter,
                 user_map_2d: pd.DataFrame | None = None, out: str | Path = "report.html",
                 title: str = "Customer segments") -> Path:
    """Write one self-contained HTML report; returns its path. user_map_2d: optional DataFrame x, y, segment
    (default: the segmenter's PCA sample `map_2d_`)."""
    names = _segment_names(profiles, personas)
    figs = _figures(profiles, segmenter, names, user_map_2d)
    fig_html = [f.to_html(full_html=False, include_plotlyjs=(i == 0), default_height="420px")
                for i, f in enumerate(figs)]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    language = next((p.language for p in (personas or {}).values()), "en")
    page = env.from_string(_TEMPLATE).render(
        title=title, language=language, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        n_users=int(profiles.overview["size"].sum()), n_segments=len(profiles.segments),
        algorithm=getattr(segmenter, "algorithm_", "-"), cards=_cards(profiles, personas), figures=fig_html,
        metrics=_metrics(segmenter), any_auto=any(p.source == "template" for p in (personas or {}).values()))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _md(text) -> str:
    """Markdown-safe inline text (no HTML, links, emphasis or table breaks from data): the shared encoder."""
    return markdown_literal(text)


def write_markdown_report(profiles: SegmentProfiles, personas: dict[int, Persona] | None, segmenter,
                          out: str | Path = "report.md", title: str = "Customer segments") -> Path:
    """The same content as text: persona sections, a size table and the quality metrics."""
    lines = [f"# {_md(title)}", ""]
    names = _segment_names(profiles, personas)
    sizes = pd.DataFrame([(str(s), html.escape(str(names[s])), str(int(profiles.overview.loc[s, "size"])),
                           f"{profiles.overview.loc[s, 'share']:.1%}", f"{profiles.overview.loc[s, 'spend_share']:.1%}")
                          for s in profiles.segments], columns=["segment", "name", "customers", "share", "spend share"])
    lines += [markdown_table(sizes, max_rows=None), ""]
    for c in _cards(profiles, personas):
        lines += [f"## {c['segment']} · {_md(c['name'])}", ""]
        if c["tagline"]:
            lines += [f"*{_md(c['tagline'])}*", ""]
        if c["description"]:
            lines += [_md(c["description"]), ""]
        for label, key in (("Motivations", "motivations"), ("Channels", "channels"), ("Offers", "offers"),
                           ("Top categories", "categories"), ("Top products", "products"), ("Keywords", "keywords"), ("Stands out by", "distinct")):
            if c[key]:
                lines.append(f"- **{label}**: {_md(', '.join(map(str, c[key])))}")
        lines += [f"- **Price sensitivity**: {_md(c['price'])}", ""]
    quality = pd.DataFrame([tuple(html.escape(str(v)) for v in row) for row in _metrics(segmenter)],
                           columns=["metric", "value", "how to read it"])
    lines += ["## Quality", "", markdown_table(quality, max_rows=None)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
