"""`MarketingAssistant`: the one programmatic API that the chat, the Gradio app and the CLI all use.

It only orchestrates: every capability is one method delegating to the package that owns it (data → embeddings
→ segmentation → campaigns) and returning a typed result (assistant.api.results). Derived state (features,
behaviour vectors, the fitted segmenter and recommender, personas) is computed on first use and kept on the
object; files (reports, saved models, the product collection, persona caches) live in the workspace folder
(assistant.api.workspace) so a later session can `MarketingAssistant.load(workspace)` and carry on.

Capabilities (the same table the README documents per surface and tests/api/test_capabilities.py walks):
    load / quality       from_demo, from_files, load · data_quality()
    segment              segment(), ensure_segments(), segments_overview(), segment_map()
    describe a segment   describe_segment()          personas        personas()
    report               report()
    recommend            recommend() (customer) · recommend_for_segment()
    products             search_products() (text, through the Chroma collection) · similar_products()
    plan / copy          plan_campaign() · write_copy()
    evaluate             evaluate()
    next campaign        next_campaign_advice() · uplift_targeting() · sample_size()
    save / load          save() · load()
"""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assistant.core.settings import Settings
from assistant.core.errors import NotReadyError
from assistant.core.data import DataError, Dataset, QualityReport, load_demo, load_files
from assistant.core.data.schema import PRODUCT_COLUMNS
from assistant.core.policy import category_name
from assistant.core.text import Bilingual, plot_label
from assistant.core.vocabulary import check_channel, language_of, offer_terms
from assistant.api.backends import get_backend
from assistant.api.results import (
    Audience, AudienceDraft, CopyVariants, DataQuality, HoldoutCheck, NextCampaignAdvice, PolicyHidden, Predictions,
    Recommendations, ReportFiles, SampleSizePlan, SegmentDescription, SegmentMap, SegmentOverview, UpliftTargeting,
)
from assistant.api.workspace import DATASET_DIR, Workspace, fingerprint  # noqa: F401 (DATASET_DIR: CLI)

AUDIENCE_DIR = "audiences"
# A category a segment "buys more than others" has at least this lift (shown rounded: 1.1× and up).
MIN_STANDOUT_LIFT = 1.05
# How many customers the uplift model keeps aside to score itself (Qini on customers it did not see).
UPLIFT_HOLDOUT = 0.3
# What a marketer waits on 2 cores before the templates stand: the whole answer, and one LLM call.
PERSONA_BUDGET_S, COPY_BUDGET_S, CALL_BUDGET_S = 60.0, 60.0, 25.0


def _audience_name(text: str) -> str:
    """'audience: lapsed parents' / 'Audience lapsed parents' -> 'lapsed parents'."""
    text = str(text).strip()
    return text[len("audience"):].strip(" :") if text.lower().startswith("audience") else text


def parse_offer(offer):
    """15, "15%", "15% off", "八五折" -> a percent-off Offer; "free shipping" / "包邮" -> free shipping; None -> let
    the plan choose."""
    from campaigns.strategy import Offer
    if offer is None or isinstance(offer, (Offer, dict)):
        return offer
    kind, value = offer_terms(offer)
    return Offer(type=kind, value=value or 0.0)


class MarketingAssistant:
    """Segments with personas, recommendations, campaign plans and copy, and campaign evaluation on one dataset.

    Parameters
    ----------
    dataset: the cleaned tables (see `assistant.core.data`).
    workspace: folder for reports, fitted models and caches (default: `MKT_WORKSPACE` or ~/.mkt_assistant).
    language: default language of LLM-written text, "en" or "zh".
    llm / encoder / store: injected (tests, or one model shared by sessions); otherwise the LLM from the
        settings, the encoder of the backend (MKT_BACKEND) and the workspace's Chroma product collection.
    content_signal: use product-text vectors in recommendations (embeds the products customers touched, once;
        later runs embed only new or changed products). Product search and "similar products" always use them.
    random_state: seed of every learned step, so the same data and seed give the same segments.
    """

    def __init__(self, dataset: Dataset, *, workspace: str | Path | None = None, language: str = "en",
                 llm: Any = None, encoder: Any = None, store: Any = None, settings: Settings | None = None,
                 content_signal: bool = True, random_state: int = 0):
        self.settings = settings or Settings.from_env()
        self._workspace = Workspace(workspace or self.settings.workspace, self.settings)
        self.workspace = self._workspace.path
        self.backend = get_backend(settings=self.settings)
        self.dataset = dataset
        self.language = language_of(language)
        self.content_signal = content_signal
        self.random_state = random_state
        self._llm = llm
        self._llm_given = llm is not None  # an LLM passed in was chosen (it writes copy; `copy_by_llm`)
        self._encoder = encoder
        self._store = store
        self.segmenter = None
        self.profiles = None
        self._personas: dict[tuple[str, bool], dict[int, Any]] = {}
        self._recommender = None
        self.test_files = None       # the uploaded campaign test (load_test), evaluated by evaluate()
        self.last_evaluation = None  # the last CampaignEvaluation, for the chat's follow-up questions
        self._predictors: dict[tuple[int, str], Any] = {}
        self._previous_segmenters: list[Any] = []   # kept versions, newest last: `restore_segments()` goes back
        self._segment_stats = None
        self._evaluations: dict[tuple, tuple] = {}  # key -> (dataset, segmenter, CampaignEvaluation) it was made from

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_demo(cls, **kwargs) -> "MarketingAssistant":
        """The bundled Complete Journey demo (CC0): ~800 households with demographics and campaigns."""
        return cls(load_demo(), **kwargs)

    @classmethod
    def from_files(cls, events=None, products=None, users=None, exposures=None, outcomes=None, mapping=None,
                   name: str = "custom", **kwargs) -> "MarketingAssistant":
        """Your own export (CSV / gzip CSV / Parquet) with an optional column mapping (dict or YAML/JSON file)."""
        dataset = load_files(events=events, products=products, users=users, exposures=exposures,
                             outcomes=outcomes, mapping=mapping, name=name)
        return cls(dataset, **kwargs)

    @classmethod
    def load(cls, workspace: str | Path, **kwargs) -> "MarketingAssistant":
        """Reopen a workspace written by `save()`: the dataset, the fitted segmenter and recommender, and the
        product collection (nothing already embedded is embedded again)."""
        folder = Workspace(workspace, kwargs.get("settings"))
        assistant = cls(folder.load_dataset(), workspace=folder.path, **kwargs)
        segmenter = folder.load_segmenter()
        if segmenter is not None:
            assistant._adopt_segmenter(segmenter)
        recommender = folder.load_recommender()
        if recommender is not None:
            if assistant.content_signal and recommender.has_vectors_.any():
                recommender.store = assistant.store  # live clients are not saved: attach the collection again
            assistant._recommender = recommender
        return assistant

    def save(self) -> Path:
        """Write the dataset and the fitted models to the workspace (reload with `MarketingAssistant.load`)."""
        return self._workspace.save(self.dataset, self.segmenter, self._recommender)

    @property
    def saved_at(self):
        """When this workspace was last saved (pd.Timestamp, UTC), None if never: a new save overwrites it."""
        return self._workspace.saved_at

    def reopen(self) -> "MarketingAssistant":
        """A new assistant on what this workspace saved, keeping this one's LLM, encoder, product collection,
        settings and language (nothing already embedded is embedded again)."""
        return type(self).load(self.workspace, llm=self._llm if self._llm_given else None, encoder=self._encoder,
                               store=self._store, language=self.language, settings=self.settings)

    # ------------------------------------------------------------------ shared parts, created on first use
    @property
    def llm(self):
        if self._llm is None:
            from assistant.core.llm import get_llm
            self._llm = get_llm(self.settings)
        return self._llm

    @property
    def encoder(self):
        """The backend's encoder (MKT_BACKEND), kept for the life of this assistant (a Ray pool starts once)."""
        if self._encoder is None:
            self._encoder = self.backend.encoder()
        return self._encoder

    @property
    def store(self):
        """The Chroma collection of product vectors, synced with the products customers interacted with: only
        new or changed product texts are embedded (a reopened workspace embeds nothing)."""
        if self._store is None:
            self._store = self._workspace.product_store(self.encoder, self.dataset.name)
        key = (id(self._store), fingerprint(self._catalogue, PRODUCT_COLUMNS))
        self._workspace.fitted(("synced", *key), lambda: self._store.sync_products(self._catalogue))
        return self._store

    @cached_property
    def _catalogue(self) -> pd.DataFrame:
        """Products customers interacted with. Catalogue-only items (e.g. coupon lists) would multiply the
        first-run embedding time for items that no signal but text can reach."""
        products = self.dataset.products
        return products[products["item_id"].isin(self.dataset.events["item_id"].unique())]

    @property
    def quality(self) -> QualityReport:
        return self.dataset.quality

    def summary(self):
        return self.dataset.summary()

    def data_quality(self) -> DataQuality:
        """What was loaded and what the cleaning did (rows read/kept, duplicates, drops per reason)."""
        return DataQuality(name=self.dataset.name, summary=self.summary(), report=self.quality)

    @cached_property
    def features(self) -> pd.DataFrame:
        """Customer features (RFM, funnel, category shares, demographics), one row per user_id."""
        from segmentation.features import customer_features
        return customer_features(self.dataset)

    @cached_property
    def user_texts(self) -> pd.Series:
        from embeddings.text import user_texts
        return user_texts(self.dataset.events, self.dataset.products).reindex(self.features.index).fillna("")

    @cached_property
    def user_vectors(self) -> np.ndarray:
        """Behaviour-text embeddings aligned with `features` (cached on disk by text hash)."""
        return self.encoder.encode(self.user_texts.tolist())

    # ------------------------------------------------------------------ segmentation
    def segment(self, n_segments: int | str = "auto", *, algorithm: str = "auto",
                behaviour_weight: float = 0.5) -> SegmentOverview:
        """Split the customers into segments and profile them (personas come from `personas()`). Runs on the
        backend of MKT_BACKEND (local, or Ray: streamed k-means with labels assigned by Ray tasks)."""
        segmenter = self.backend.segmenter(n_segments=n_segments, algorithm=algorithm,
                                           behaviour_weight=behaviour_weight, random_state=self.random_state)
        segmenter.fit(self.features, self.user_vectors)
        if self.segmenter is not None:
            self._previous_segmenters = [*self._previous_segmenters[-4:], self.segmenter]
        self._adopt_segmenter(segmenter)
        return self.segments_overview()

    def ensure_segments(self, n_segments: int | str = "auto") -> bool:
        """Segment with `n_segments` when there are no segments yet (never replaces existing ones); True when
        it segmented now. The one place the shells call for "segment first if needed"."""
        if self.segmenter is not None:
            return False
        self.segment(n_segments)
        return True

    def restore_segments(self) -> SegmentOverview:
        """Undo the last `segment()`: the previous segments (and their personas) come back."""
        if not self._previous_segmenters:
            raise NotReadyError("there are no earlier segments to restore")
        self._adopt_segmenter(self._previous_segmenters.pop())
        return self.segments_overview()

    @property
    def can_restore_segments(self) -> bool:
        return bool(self._previous_segmenters)

    def _adopt_segmenter(self, segmenter) -> None:
        from segmentation.profiles import build_profiles
        self.segmenter = segmenter
        self.profiles = build_profiles(segmenter.labels_, self.features, self.dataset.events,
                                       self.dataset.products, self.dataset.users, self.user_texts)
        self._personas = {}
        self._segment_stats = None
        self._recommender = None  # segment popularity depends on the labels

    def _require_segments(self) -> None:
        if self.segmenter is None:
            raise NotReadyError("no segments yet — segment the customers first (e.g. 'split my customers into "
                                "5 groups', `assistant.segment(5)` or `mkt segment`)")

    @property
    def labels(self) -> pd.Series:
        self._require_segments()
        return self.segmenter.labels_

    @cached_property
    def policy(self):
        """The marketing policy (assistant.core.policy) from the settings: what is never promoted."""
        from assistant.core.policy import MarketingPolicy
        return MarketingPolicy.from_settings(self.settings)

    @cached_property
    def _exclusion_reasons(self) -> pd.Series:
        """Per candidate product (item id), why the policy never offers it (None = it may be offered); only
        products with interactions can be recommended, so only those are read."""
        products = self.dataset.products
        pool = products[products["item_id"].isin(self.dataset.events["item_id"])]
        return self.policy.exclusion_reasons(pool).set_axis(pool["item_id"].astype(str))

    @cached_property
    def _excluded_items(self) -> frozenset[str]:
        """Items never offered (see `_exclusion_reasons`)."""
        reasons = self._exclusion_reasons
        return frozenset(reasons.index[reasons.notna()])

    def _call_budget(self) -> float:
        """Per LLM call: the configured timeout, capped so one slow answer cannot use a whole minute."""
        return float(min(self.settings.llm_timeout_s, CALL_BUDGET_S))

    def personas(self, language: str | None = None, *, use_llm: bool = True) -> dict[int, Any]:
        """Personas per segment: needs, habits and motivations in words, numbers from the profile (`facts`).

        use_llm=False returns the template personas at once (the UI shows them first); with the LLM each
        persona that passes the quality gates replaces its template (cached by content on disk), within a
        time budget; `source` says which one each persona is (llm / llm-retry / template)."""
        from segmentation.personas import generate_personas
        self._require_segments()
        language = language or self.language
        key = (language, bool(use_llm))
        if key not in self._personas:
            self._personas[key] = generate_personas(
                self.profiles, llm=self.llm if use_llm else None, language=language, use_llm=use_llm,
                cache_dir=self.workspace / "personas", policy=self.policy, time_budget_s=PERSONA_BUDGET_S,
                call_budget_s=self._call_budget())
        return self._personas[key]

    def segment_names(self, language: str | None = None, *, with_llm: bool = True) -> dict[int, str]:
        if with_llm:  # the LLM personas when already written, else the (instant) template personas
            return {s: p.name for s, p in self.personas(language, use_llm=self._has_personas(language)).items()}
        self._require_segments()
        return {int(s): str(n) for s, n in self.profiles.overview["name"].items()}

    def segments_overview(self, language: str | None = None, *, with_personas: bool = False) -> SegmentOverview:
        self._require_segments()
        overview = self.profiles.overview.reset_index()
        top = (self.profiles.top_categories.sort_values(["segment", "rank"]).groupby("segment")["category"]
               .apply(lambda c: ", ".join(c.astype(str).head(3))))
        def mean(column: str, digits: int) -> pd.Series:
            return overview.get(f"{column}_mean", pd.Series(np.nan, index=overview.index)).round(digits)

        # a browse-only log has no spend, baskets or purchase recency: show its funnel instead
        figures = ({"views_mean": mean("n_views", 1), "cart_adds_mean": mean("n_carts", 1),
                    "favourites_mean": mean("n_favs", 1), "view_to_cart": mean("view_to_cart", 3)}
                   if self.profiles.browse_only else
                   {"spend_mean": mean("monetary", 2), "baskets_mean": mean("frequency", 1),
                    "recency_days_mean": mean("recency_days", 1)})
        table = pd.DataFrame({
            "segment": overview["segment"], "size": overview["size"], "share": overview["share"].round(3),
            **figures,
            "top_categories": overview["segment"].map(top).fillna(""),
            "stands_out_for": overview["segment"].map(self._signature()).fillna(""),
        })
        table = self._with_predictions(table)
        if with_personas:
            personas = self.personas(language)
            table.insert(1, "persona", table["segment"].map(lambda s: personas[int(s)].name if int(s) in personas else ""))
            table.insert(2, "tagline", table["segment"].map(lambda s: personas[int(s)].tagline if int(s) in personas else ""))
        metrics = {k: float(v) for k, v in (self.segmenter.metrics_ or {}).items()}  # includes stability_ari
        return SegmentOverview(table=table, metrics=metrics, k_curve=getattr(self.segmenter, "k_curve_", None))

    def _segment_predictions(self) -> pd.DataFrame | None:
        """Per segment (index): the predicted 90-day value and churn risk (campaigns.predictive.segment_summary);
        None for data without dated orders."""
        from campaigns.predictive import segment_summary
        try:
            return segment_summary(self.customer_predictions(), self.labels).set_index("segment")
        except DataError:
            return None

    def _with_predictions(self, table: pd.DataFrame) -> pd.DataFrame:
        """Adds the predicted 90-day value per customer (CLV) and the share at high churn risk per segment
        (campaigns.predictive); data without dated orders keeps the table as it is."""
        by_segment = self._segment_predictions()
        if by_segment is None:
            return table
        table["clv_90d_mean"] = table["segment"].map(by_segment["expected_spend_mean"])
        table["high_churn_share"] = table["segment"].map(by_segment["high_churn_share"])
        return table

    def segment_map(self, language: str | None = None, *, with_personas: bool = False) -> SegmentMap:
        """Customers on a 2-D map (a PCA sample of the clustering space, no user ids), labelled by segment name
        (persona names with `with_personas`, else rule-based names: no LLM call)."""
        self._require_segments()
        points = getattr(self.segmenter, "map_2d_", None)
        if points is None or len(points) == 0:
            return SegmentMap(pd.DataFrame(columns=["x", "y", "segment", "label"]))
        names = self.segment_names(language, with_llm=with_personas)
        labels = points["segment"].map(lambda s: plot_label(f"{int(s)}: {names.get(int(s), s)}"))
        return SegmentMap(points.assign(label=labels))

    def describe_segment(self, segment: int | str, language: str | None = None) -> SegmentDescription:
        """Who one segment is: its persona (LLM wording from aggregates) with computed size, spend, baskets,
        recency, top categories and what sets it apart."""
        segment_id = self.resolve_segment(segment)
        persona = self.personas(language)[segment_id]
        profiles = self.profiles
        row = profiles.overview.loc[segment_id]
        browse_only = getattr(profiles, "browse_only", False)  # no purchases in the data: funnel figures
        shown = ((("n_views_mean", "Views per visitor"), ("n_carts_mean", "Cart adds per visitor"),
                  ("n_favs_mean", "Favourites per visitor")) if browse_only else
                 (("monetary_mean", "Mean spend"), ("frequency_mean", "Mean baskets"),
                  ("recency_days_mean", "Days since last purchase (mean)")))
        figures = {label: float(row[col]) for col, label in shown if col in row and pd.notna(row[col])}
        dist = profiles.distinguishing[profiles.distinguishing["segment"] == segment_id].head(5)
        cats = profiles.top_categories[profiles.top_categories["segment"] == segment_id].head(5)
        return SegmentDescription(segment=segment_id, persona=persona, size=int(row["size"]),
                                  share=float(row["share"]), figures=figures,
                                  top_categories=cats.reset_index(drop=True), distinguishing=dist.reset_index(drop=True),
                                  measure="views" if browse_only else "spend")

    def _signature(self) -> pd.Series:
        """Per segment, the top 3 categories it buys more of than everyone (lift ≥ MIN_STANDOUT_LIFT: "Pork
        (1.0×)" is not "more than others"), by their readable names (`category_name`), without what the
        marketing policy excludes (fuel, coupon lines: not something to plan a campaign on), no name twice."""
        sig = self.profiles.signature_categories
        if sig is None or sig.empty:
            return pd.Series(dtype=str)

        def top3(group: pd.DataFrame) -> str:
            shown: dict[str, float] = {}
            for category, lift in group[["category", "lift"]].itertuples(index=False):
                name = category_name(category)
                if lift >= MIN_STANDOUT_LIFT and self.policy.allows(category) and name not in shown:
                    shown[name] = lift
            return ", ".join(f"{name} ({lift:.1f}×)" for name, lift in list(shown.items())[:3])

        return sig.sort_values(["segment", "rank"]).groupby("segment").apply(top3)

    def display_names(self, language: str | None = None) -> dict[int, str]:
        """Segment names in `language` without calling the LLM: the personas when they were already written in
        that language, else the rule-based names from the profiles (spend / frequency / recency words)."""
        from segmentation.personas import template_persona
        self._require_segments()
        language = language or self.language
        if language in self._personas:
            return {s: p.name for s, p in self._personas[language].items()}
        return {int(s): template_persona(self.profiles.segment_summary(int(s)), language).name
                for s in self.profiles.segments}

    @property
    def segment_statistics(self) -> pd.DataFrame:
        """Per-segment numbers the description lookup reads (see `assistant.api.segment_lookup`)."""
        from assistant.api.segment_lookup import segment_statistics
        self._require_segments()
        if self._segment_stats is None:
            # "likely to churn" / "high-value" are questions about the future: the predictive model decides them
            # when the data has dated orders (else the rules fall back to recency and spend to date)
            from campaigns.predictive import DEFAULT_MODEL, MODEL_LABELS
            self._segment_stats = segment_statistics(self.profiles.overview, self.labels, self.dataset.users,
                                                     self.dataset.events, predicted=self._segment_predictions(),
                                                     predicted_by=MODEL_LABELS[DEFAULT_MODEL], horizon_days=90)
        return self._segment_stats

    def segment_match(self, segment: int | str, language: str | None = None):
        """Which segment a phrase means ("segment 2", "high-value", "流失风险", "young families", "every segment"),
        with the reason (`assistant.api.segment_lookup.SegmentMatch`). Never calls the LLM."""
        from assistant.api.segment_lookup import match_segment
        self._require_segments()
        names = self.display_names(language)
        texts = {}
        for lang, personas in self._personas.items():
            for s, p in personas.items():
                texts[s] = f"{texts.get(s, '')} {p.name} {p.tagline} {p.description}"
        top = (self.profiles.top_categories.sort_values(["segment", "rank"]).groupby("segment")["category"]
               .apply(lambda c: " ".join(c.astype(str).head(3))))
        for s, cats in top.items():
            texts[int(s)] = f"{texts.get(int(s), '')} {cats}"
        return match_segment(segment, self.segment_statistics, names, texts, self.encoder)

    def resolve_segment(self, segment: int | str) -> int:
        """A segment id from an id, "segment 2", a description ("high-value", "lapsing", "年轻家庭") or a persona
        name; DataError when nothing matches or several segments match equally well."""
        self._require_segments()
        known = set(self.profiles.segments)
        if isinstance(segment, (int, np.integer)) or str(segment).strip().lstrip("-").isdigit():
            value = int(segment)
            if value not in known:
                raise DataError(f"there is no segment {value}", fix=f"choose one of {sorted(known)}")
            return value
        found = self.segment_match(segment)
        if isinstance(found.segment, (int, np.integer)):
            return int(found.segment)
        names = self.display_names()
        if found.ambiguous:
            listing = "; ".join(f"{s}: {names.get(s, '')}" for s in found.candidates)
            raise DataError(f"'{segment}' fits several segments equally well ({listing})",
                            fix="say which one by its number")
        listing = "; ".join(f"{s}: {n}" for s, n in names.items())
        raise DataError(f"no segment matches '{segment}'", fix=f"name one of the segments ({listing})")

    def answer_question(self, metric: str, *, segment: int | str | None = None, period: str | None = None,
                        top_k: int | None = None, language: str | None = None):
        """A data question from the computed tables (`assistant.api.questions`): counts, averages (AOV, spend,
        frequency), top categories/products, trends per week/month, a segment's share of revenue, value to date.
        segment: None = everyone, an id or description = one segment, "all" = one row per segment."""
        from assistant.api.questions import answer_question
        labels = self.segmenter.labels_ if self.segmenter is not None else None
        if segment is not None and segment != "all":
            segment = self.resolve_segment(segment)
        names = self.display_names(language) if self.segmenter is not None else None
        return answer_question(self.dataset.events, self.dataset.products, metric, labels=labels, segment=segment,
                               segment_names=names, period=period, top_k=top_k, policy=self.policy,
                               language=language or "en")

    def audience_size(self, bought: str, *, within_days: int | None = None, not_within_days: int | None = None):
        """How many customers bought matching products (in / not in the last N days), per segment; counts only."""
        from assistant.api.questions import audience_counts
        labels = self.segmenter.labels_ if self.segmenter is not None else None
        return audience_counts(self.dataset.events, self.dataset.products, bought, within_days=within_days,
                               not_within_days=not_within_days, labels=labels)

    def report(self, out: str | Path | None = None, language: str | None = None) -> ReportFiles:
        """The persona report: one self-contained HTML file (opens offline) plus a Markdown version."""
        from segmentation.report import write_markdown_report, write_report
        personas = self.personas(language)
        out = Path(out or self.workspace / "reports" / "persona_report.html")
        out.parent.mkdir(parents=True, exist_ok=True)
        html_path = write_report(self.profiles, personas, self.segmenter, out=out)
        md_path = write_markdown_report(self.profiles, personas, self.segmenter, out=out.with_suffix(".md"))
        return ReportFiles(html=Path(html_path), markdown=Path(md_path))

    # ------------------------------------------------------------------ recommendations
    @property
    def recommender(self):
        """The fitted recommender, shared between assistants over the same tables, segments and store.

        Blend weights are tuned once per dataset (the slow part); re-segmenting refits with those weights and
        the same item vectors, which only recomputes the co-occurrence and segment-popularity tables. Content
        vectors come from the Chroma collection, which also serves the content candidates at recommend time."""
        if self._recommender is None:
            store = self.store if self.content_signal else None
            # the catalogue is part of the key: the same events over renamed or re-categorised products (what the
            # policy and the item texts read) must not reuse a model fitted on the old catalogue
            base_key = (fingerprint(self.dataset.events), fingerprint(self.dataset.products, PRODUCT_COLUMNS),
                        self.random_state, id(store))
            base = self._workspace.fitted(base_key, lambda: self._fit_recommender(None, "tune", store))
            segments = self.segmenter.labels_ if self.segmenter is not None else None
            if segments is None:
                self._recommender = base
            else:
                key = (*base_key, int(pd.util.hash_pandas_object(segments).sum()))
                self._recommender = self._workspace.fitted(key, lambda: self._fit_recommender(
                    segments, dict(base.weights_), store, vectors_from=base))
        return self._recommender

    def _fit_recommender(self, segments, weights, store, vectors_from=None):
        from campaigns.rec_eval import ItemVectors
        from campaigns.recommender import Recommender
        vectors = (ItemVectors(vectors_from.items_.ids, vectors_from.vectors_) if vectors_from is not None
                   else None)
        model = Recommender(weights=weights, random_state=self.random_state, store=store)
        return model.fit(self.dataset.events, self._catalogue if store is not None else self.dataset.products,
                         segments=segments, item_vectors=vectors)

    def _offers(self, items: pd.DataFrame, k: int, channel: str | None = None) -> pd.DataFrame:
        """Recommendations as offers: policy-checked, consumer names, duplicates merged, real prices only."""
        from assistant.core.policy import offer_frame
        return offer_frame(items, self.policy, channel=channel).head(k)

    def _recommendations(self, target: str, candidates: pd.DataFrame, k: int) -> Recommendations:
        """The offers among `candidates`; when the policy leaves none, the result says why (which classes hid
        how many products) instead of an unexplained empty list."""
        offers = self._offers(candidates, k)
        if not offers.empty:
            return Recommendations(target=target, items=offers)
        pool = self._exclusion_reasons
        hidden = PolicyHidden.count(pool) if len(pool) and pool.notna().all() else None  # all of it is hidden
        return Recommendations(target=target, items=offers, hidden=hidden)

    def customer_id(self, text: str | int) -> str | None:
        """The customer id as the data writes it, for an id typed in any case ("c0001" -> "C0001"); None when no
        customer (or more than one, differing only in case) has it."""
        ids = self.features.index.astype(str)
        text = str(text).strip()
        if text in ids:
            return text
        same = ids[ids.str.lower() == text.lower()]
        return str(same[0]) if len(same) == 1 else None

    def recommend(self, user_id: str | int, k: int = 10, **filters) -> Recommendations:
        """Top-k products for one customer with a reason each (filters: category, min_price, max_price,
        exclude_purchased, in_stock_only). Items the marketing policy excludes are never returned."""
        from campaigns.recommender import UnknownUserError
        try:
            items = self.recommender.recommend(str(user_id), k=3 * k, exclude_items=self._excluded_items, **filters)
        except UnknownUserError:
            raise DataError(f"customer '{user_id}' is not in the data ({self.dataset.n_users:,} customers loaded)",
                            column="user_id", fix="check the id, e.g. pick one from the Data tab") from None
        return self._recommendations(f"customer {user_id}", items, k)

    def recommend_for_segment(self, segment: int | str, k: int = 10, **filters) -> Recommendations:
        """Top-k products for a segment (id or persona phrase) or a saved audience (its name)."""
        audience = self._as_audience(segment)
        if audience is not None:
            from campaigns.audience_recs import recommend_for_members
            items = recommend_for_members(self.recommender, audience.members, self.dataset.products, k=3 * k,
                                          random_state=self.random_state)
            items = items[~items["item_id"].astype(str).isin(self._excluded_items)]
            return self._recommendations(f"audience {audience.name}", items, k)
        segment_id = self.resolve_segment(segment)
        items = self.recommender.recommend_for_segment(segment_id, k=3 * k, exclude_items=self._excluded_items,
                                                       **filters)
        return self._recommendations(f"segment {segment_id}", items, k)

    # Below this cosine similarity a product's text is not close to the words searched: measured on Complete
    # Journey with the packaged MiniLM, products the catalogue carries score 0.5-0.7 ('milk' 0.53, 'dog food' 0.59,
    # 'sausage rolls' 0.69), one it lacks ('ceramic pour-over dripper') 0.32, and Chinese words on English titles
    # about 0.18 whatever they mean (the model reads English).
    CLOSE_TEXT_SIMILARITY = 0.35

    def search_products(self, query: str, k: int = 10, **filters) -> Recommendations:
        """Products whose text is closest to `query` (semantic search in the Chroma collection); filters:
        category, min_price, max_price, in_stock."""
        query = str(query or "").strip()
        if not query:
            raise DataError("no search words given", fix="describe the product, e.g. 'organic milk'")
        hits = self.store.query(query, k=k, **filters)
        items = hits.assign(reason=[f"text close to '{query}' (similarity {s:.2f})" for s in hits["score"]])
        return Recommendations(target=f"'{query}'", items=items[["item_id", "score", "reason", "title", "category",
                                                                 "price"]])

    def find_product(self, words: str) -> str:
        """The product a user named: an item id, else the best-selling product whose title contains the words,
        else the closest product text in the collection."""
        words = str(words or "").strip()
        products = self.dataset.products
        if (products["item_id"].astype(str) == words).any():
            return words
        titles = products["title"].fillna("") + " " + products["category"].fillna("")
        hits = products[titles.str.contains(words, case=False, regex=False)]
        if not hits.empty:
            sold = hits["item_id"].map(self.dataset.events["item_id"].value_counts()).fillna(0)
            return str(hits.loc[sold.idxmax(), "item_id"])
        found = self.store.query(words, k=1) if words else pd.DataFrame()
        if found.empty:
            raise DataError(f"no product matches '{words}'", column="title", fix="try other words or the product id")
        return str(found["item_id"].iloc[0])

    def similar_products(self, product: str, k: int = 10) -> Recommendations:
        """Products often bought with, or textually close to, one product (an id or a few words of its name);
        the text neighbours come from the Chroma collection."""
        from campaigns.recommender import UnknownItemError
        item_id = self.find_product(product)
        try:
            items = self.recommender.similar_products(item_id, k=3 * k, exclude_items=self._excluded_items)
        except UnknownItemError:
            raise DataError(f"product '{product}' is not in the catalogue", column="item_id",
                            fix="check the product id") from None
        title = self.dataset.products.loc[self.dataset.products["item_id"] == item_id, "title"]
        return self._recommendations(f"product {item_id}" + (f" ({title.iloc[0]})" if len(title) else ""), items, k)

    # ------------------------------------------------------------------ campaigns
    def plan_campaign(self, segment: int | str, *, offer: float | str | None = None, channel: str | None = None,
                      language: str | None = None):
        """An editable plan for one segment: featured products (policy-checked for the channel, consumer
        names, real prices), offer, channel, send time, expected reach. Edit it and pass it to `write_copy`.

        offer: percent off (15 or "15%"), "free shipping", or a `campaigns.strategy.Offer`; None lets the plan
        choose from the segment's price sensitivity and past coupon redemption."""
        from campaigns.strategy import plan_campaign
        audience = self._as_audience(segment)
        if audience is not None:  # a saved audience plans like a segment without a persona
            from campaigns.audience_recs import recommend_for_members
            picks = recommend_for_members(self.recommender, audience.members, self.dataset.products, k=30,
                                          random_state=self.random_state)
            featured = self._offers(picks[~picks["item_id"].astype(str).isin(self._excluded_items)], 5, channel)
            activity = self.dataset.events[self.dataset.events["user_id"].isin(audience.members)]
            return plan_campaign(f"audience {audience.name}", self._audience_summary(audience.members), None,
                                 featured, offer=parse_offer(offer), channel=check_channel(channel),
                                 activity=activity)
        segment_id = self.resolve_segment(segment)
        persona = self.personas(language, use_llm=False).get(segment_id)
        picks = self.recommender.recommend_for_segment(segment_id, k=30, exclude_items=self._excluded_items)
        featured = self._offers(picks, 5, channel=channel)
        activity = self.dataset.events[self.dataset.events["user_id"].isin(self._members(segment_id))]
        plan = plan_campaign(segment_id, self.profiles.segment_summary(segment_id), persona, featured,
                             offer=parse_offer(offer), channel=check_channel(channel), activity=activity)
        named = self.personas(language).get(segment_id) if self._has_personas(language) else persona
        return plan.model_copy(update={"persona_name": getattr(named, "name", plan.persona_name)})

    def _has_personas(self, language: str | None) -> bool:
        return ((language or self.language), True) in self._personas

    def _members(self, segment_id: int) -> pd.Index:
        return self.labels[self.labels == segment_id].index

    @property
    def copy_by_llm(self) -> bool:
        """Whether copy is asked of the LLM by default (MKT_COPY_LLM). Why not always: on the packaged 0.5B the
        copy that passed every gate still read as nobody would send it (a refusal as an SMS, invented set meals,
        health promises; README words bench), so there the templates write unless a model was chosen."""
        choice = self.settings.copy_llm
        if choice in ("on", "off"):
            return choice == "on"
        return self._llm_given or self.settings.model_chosen

    def write_copy(self, segment: int | str | None = None, *, plan=None, channel: str | None = None,
                   offer: float | str | None = None, language: str | None = None, n_variants: int = 3,
                   use_llm: bool | None = None) -> CopyVariants:
        """Copy variants for a campaign plan: the one given (possibly edited by the marketer), else a fresh
        `plan_campaign(segment, offer=..., channel=...)`. Every variant passes the quality gates; `source`
        says whether the LLM wrote it (llm / llm-retry) or the template stands (template). use_llm=None
        follows `MKT_COPY_LLM` (`copy_by_llm`)."""
        from campaigns.copywriting import TEMPLATE_COPY_NOTE, write_copy
        from campaigns.strategy import CampaignPlan
        language = language or self.language
        if plan is None:
            if segment is None:
                raise DataError("which segment is the copy for?", fix="give a segment number or name, or a plan")
            plan = self.plan_campaign(segment, offer=offer, channel=channel, language=language)
        elif not isinstance(plan, CampaignPlan):
            plan = CampaignPlan.model_validate(plan)
        if channel is not None and channel != plan.channel:
            plan = CampaignPlan.model_validate({**plan.model_dump(), "channel": channel})
        audience = (self._as_audience(str(plan.segment_id)[len("audience "):])
                    if str(plan.segment_id).startswith("audience ") else None)
        if audience is not None:
            persona, members, name = None, audience.members, f"audience {audience.name}"
        else:
            segment_id = int(plan.segment_id)
            persona = self.personas(language, use_llm=self._has_personas(language)).get(segment_id)
            members = self._members(segment_id)
            name = persona.name if persona is not None else f"segment {segment_id}"
        by_default = use_llm is None
        use_llm = self.copy_by_llm if by_default else use_llm
        variants = write_copy(plan, persona, n_variants=n_variants, language=language, channel=plan.channel,
                              llm=self.llm if use_llm else None, use_llm=use_llm, policy=self.policy,
                              known_user_ids=members.tolist(), time_budget_s=COPY_BUDGET_S,
                              call_budget_s=self._call_budget())
        if by_default and not use_llm:
            variants = [v.model_copy(update={"notes": [TEMPLATE_COPY_NOTE]}) for v in variants]
        return CopyVariants(segment=name, channel=plan.channel, language=language, variants=list(variants),
                            plan=plan)

    def load_test(self, table=None, *, exposures=None, outcomes=None, mapping=None, **choices):
        """Keep an uploaded campaign test (one table, or exposures + outcomes; paths or DataFrames; the mapping
        honoured) as this assistant's current test and say what was recognised in it (arm column, arms,
        control, outcome columns and types, CUPED covariate) — the UI fills its dropdowns from the answer.
        Later `evaluate()` calls without data evaluate this test; the chat answers "how did my test do?" so."""
        from assistant.core.data.experiment import read_test_files
        files = read_test_files(table, exposures=exposures, outcomes=outcomes, mapping=mapping)
        self.test_files = files
        self.last_evaluation = None
        return self.describe_test(**choices)

    def describe_test(self, *, arm_column: str | None = None, control: str | None = None, metrics=None):
        """What is recognised in the current uploaded test (see `load_test`), given the choices made so far."""
        from campaigns.evaluation.layout import describe_test
        files = self._require_test()
        options = files.options
        return describe_test(files.exposures, files.outcomes, arm_column=arm_column or options.get("arm_column"),
                             control=control if control is not None else options.get("control"),
                             user_column=options.get("user_column"), metrics=metrics or options.get("metrics"))

    def _require_test(self):
        files = getattr(self, "test_files", None)
        if files is None:
            raise NotReadyError("no campaign test uploaded yet — upload the export (Evaluate tab), or pass "
                                "exposures=/outcomes= (or table=) to evaluate()")
        return files

    @property
    def has_test(self) -> bool:
        """True once a campaign test was uploaded (`load_test`): `evaluate()` without arguments evaluates it."""
        return getattr(self, "test_files", None) is not None

    def evaluate(self, campaign_id: str | int | None = None, *, table=None, exposures=None, outcomes=None,
                 mapping=None, arm_column: str | None = None, control: str | None = None, metrics=None,
                 participation: str | None = None, covariate="auto", robust: str | None = None,
                 sequential: bool = False, expected_split=None, force: bool = False, by_segment: bool = True,
                 alpha: float = 0.05, audience: str | None = None):
        """Evaluate a campaign: data checks first, then per-arm results, uplift with CIs and p-values, verdict.

        With `table` or `exposures` (+ `outcomes`) — files or DataFrames, any arm names and outcome types — the
        test is loaded (kept as the current test, see `load_test`) and evaluated as randomised. Without data
        and without a campaign id, the last uploaded test is evaluated. With a campaign id of the loaded
        dataset: a randomised test when it has a control arm; otherwise (Complete Journey, no hold-out)
        receivers vs comparable non-receivers, an observational comparison that says so.
        control: the control arm's name ("none": compare all pairs); arm_column; metrics (names, {name: type}
        or "revenue/orders" ratios); covariate: pre-period column for CUPED ("auto", a name, or None);
        robust: "bootstrap" / "trimmed"; sequential: always-valid intervals; force: evaluate even when under
        half the outcome rows match an exposure. audience: a saved audience's name — the breakdown is then its
        members vs everyone else. The result is kept as `last_evaluation`.
        """
        from campaigns import evaluation as ev
        segments = self.segmenter.labels_.rename("segment") if (by_segment and self.segmenter is not None) else None
        if audience is not None:
            members = self.audience(audience)
            ids = self.dataset.user_ids
            segments = pd.Series(np.where(ids.isin(members.members), f"in audience {members.name}",
                                          "not in the audience"), index=ids, name="segment")
        options = dict(alpha=alpha, robust=robust, sequential=sequential, expected_split=expected_split,
                       force=force)
        if table is not None or exposures is not None or outcomes is not None:
            self.load_test(table, exposures=exposures, outcomes=outcomes, mapping=mapping)
        if campaign_id is None and self.has_test:
            files = self.test_files
            chosen = files.options
            result = ev.evaluate_test(
                exposures=files.exposures, outcomes=files.outcomes, arm_column=arm_column or chosen.get("arm_column"),
                control=control if control is not None else chosen.get("control"),
                user_column=chosen.get("user_column"), metrics=metrics or chosen.get("metrics"),
                covariate=covariate, segments=segments, **options)
        else:
            # A dataset campaign's evaluation depends only on the data, the segments and the options: kept, so a
            # follow-up ("what should we do next time?") or a repeated question answers without recomputing.
            key = (str(campaign_id), participation, control, by_segment, repr(sorted(options.items())))
            kept = self._evaluations.get(key) if audience is None else None
            if kept is not None and kept[0] is self.dataset and kept[1] is self.segmenter:
                result = kept[2]
            else:
                result = self._evaluate_dataset_campaign(campaign_id, participation=participation, control=control,
                                                         segments=segments, **options)
                if audience is None:
                    self._evaluations[key] = (self.dataset, self.segmenter, result)
        self.last_evaluation = result
        return result

    def _evaluate_dataset_campaign(self, campaign_id, *, participation, control, segments, **options):
        from campaigns import evaluation as ev
        exposures = self.dataset.exposures
        if exposures.empty:
            raise DataError("this dataset has no campaign exposures",
                            fix="upload the campaign export (one table with an arm column, or exposures + outcomes)")
        known = sorted(exposures["campaign_id"].astype(str).unique().tolist())
        if campaign_id is None:
            if len(known) != 1:
                raise DataError("which campaign?", column="campaign_id", fix=f"name one of {known[:20]}")
            campaign_id = known[0]
        campaign_id = str(campaign_id)
        if campaign_id not in known:
            raise DataError(f"campaign '{campaign_id}' is not in the data", column="campaign_id",
                            fix=f"choose one of {known[:30]}")
        arms = set(exposures.loc[exposures["campaign_id"].astype(str) == campaign_id, "arm"].astype(str))
        if control is not None or "control" in arms:
            covariate = None
            users = self.dataset.users
            if "history" in users.columns:  # spend before the campaign (Hillstrom): CUPED
                covariate = pd.to_numeric(users.set_index("user_id")["history"], errors="coerce")
            return ev.evaluate_campaign(exposures, self.dataset.outcomes, participation=participation or "visited",
                                        control_arm=control or "control", segments=segments,
                                        campaign_id=campaign_id, covariate=covariate, **options)
        data = ev.complete_journey_campaign_outcomes(self.dataset, campaign_id)
        return ev.evaluate_observational(data, segments=segments, alpha=options["alpha"])

    # ------------------------------------------------------------------ predictive metrics (CLV, churn)
    def _predictor(self, horizon_days: int, model: str | None):
        from campaigns.predictive import DEFAULT_MODEL, CustomerPredictor
        key = (int(horizon_days), model or DEFAULT_MODEL)
        if key not in self._predictors:
            self._predictors[key] = CustomerPredictor(horizon_days=key[0], model=key[1],
                                                      random_state=self.random_state).fit(self.dataset.events)
        return self._predictors[key]

    def customer_predictions(self, horizon_days: int = 90, *, model: str | None = None) -> pd.DataFrame:
        """Per customer with orders (index user_id): expected_orders, expected_spend (CLV over the horizon),
        p_order, p_active, churn_risk, churn_band (high/medium/low), expected_next_order, orders_to_date,
        spend_to_date, last_order — columns documented in `campaigns.predictive`. Fitted once per horizon."""
        return self._predictor(horizon_days, model).predict()

    def predict(self, horizon_days: int = 90, *, model: str | None = None, language: str | None = None,
                audience: str | None = None) -> Predictions:
        """Predictive metrics for the next `horizon_days`: the per-customer table (sorted by expected spend) and,
        when segments exist, a per-segment summary (mean CLV, mean churn risk, share at high churn risk).

        Chat: "which segment is most likely to churn?" → `.segments` sorted by high_churn_share;
        "lifetime value of my best customers" → `.customers.head()`. model: "bgnbd", "boosting" or "blend"
        (default: the holdout winner on Complete Journey). audience: a saved audience's name → only its members."""
        from campaigns.predictive import segment_summary
        predictor = self._predictor(horizon_days, model)
        customers = predictor.predict()
        if audience is not None:  # only the members of a saved audience
            customers = customers[customers.index.isin(self.audience(audience).members)]
        segments = None
        if self.segmenter is not None:
            names = self.segment_names(language, with_llm=False)
            segments = segment_summary(customers, self.labels, names)
        notes = ("expected spend is the customer lifetime value over the horizon (orders × expected order value); "
                 "churn risk = P(no order in the horizon)",)
        return Predictions(customers=customers, horizon_days=int(horizon_days), as_of=predictor.as_of_,
                           model=predictor.model, segments=segments, notes=notes)

    def predict_check(self, holdout_days: int = 90) -> HoldoutCheck:
        """Calibration-vs-holdout check on the loaded data: hide the last `holdout_days`, predict them with each
        CLV model and with the simple baselines; MAE of orders, ROC AUC of "buys again", totals."""
        from campaigns.predictive import holdout_check
        report = holdout_check(self.dataset.events, holdout_days=holdout_days, random_state=self.random_state)
        return HoldoutCheck(table=report.table, calibration_end=report.calibration_end,
                            holdout_days=report.holdout_days, customers=report.customers, notes=report.notes)

    # ------------------------------------------------------------------ audiences ("customers who …")
    @cached_property
    def _category_matcher(self):
        from segmentation.audience_categories import CategoryMatcher
        return CategoryMatcher(self.dataset.products, encoder=self.encoder)

    def parse_audience(self, sentence: str, *, use_llm: bool = True) -> AudienceDraft:
        """A sentence (EN / ZH) → an editable filter shown in words, with the catalogue categories proposed for
        each product phrase and every condition the data cannot answer listed. Runs nothing (`build_audience`
        does, after the marketer confirmed). Rules first; the LLM (grammar-enforced JSON) only for what they miss."""
        from segmentation.audience import describe, unsupported_conditions
        from segmentation.audience_llm import parse_sentence
        if not str(sentence or "").strip():
            raise DataError("the audience description is empty", fix="describe the customers, e.g. 'women 25-34 "
                            "who bought baby products in the last 30 days'")
        parsed = parse_sentence(str(sentence), self.llm if use_llm else None)
        matches = {p.category: self._category_matcher.match(p.category) for p in parsed.filter.purchases}
        zh = parsed.language == "zh"
        problems = [*unsupported_conditions(parsed.filter, self.dataset.users, has_predictions=True,
                                            segment_ids=self.profiles.segments if self.segmenter is not None else None)]
        problems += [(f"「{m.phrase}」没有匹配到目录中的品类" if zh else f"'{m.phrase}' matches no catalogue category")
                     for m in matches.values() if not m.categories]
        problems += [(f"没有理解：{part}" if zh else f"not understood: {part}") for part in parsed.not_understood]
        problems += [(f"由语言模型补充，请核对：{part}" if zh else f"read by the language model, please check: {part}")
                     for part in parsed.model_added]
        if parsed.filter.is_empty() and not problems:
            problems.append("没有识别出任何条件" if zh else "no condition recognised in the sentence")
        return AudienceDraft(sentence=str(sentence), filter=parsed.filter, words=describe(parsed.filter, parsed.language),
                             categories=matches, problems=tuple(problems), source=parsed.source,
                             language=parsed.language)

    def build_audience(self, audience, *, categories: dict[str, list[str]] | None = None, name: str | None = None,
                       language: str | None = None) -> Audience:
        """Run an audience: an `AudienceDraft` (after confirmation), an `AudienceFilter` or its dict / JSON, or the
        name of a saved audience. categories: {phrase: [catalogue category names]} confirmed for each purchase
        condition (default: the draft's proposals). Raises DataError naming any condition the data cannot answer."""
        from segmentation.audience import AudienceFilter, apply_audience, describe
        if isinstance(audience, str) and not audience.strip().startswith("{"):
            return self.audience(audience)
        if isinstance(audience, AudienceDraft):
            language = language or audience.language
            categories = {**audience.category_choices(), **(categories or {})}
            audience = audience.filter
        elif isinstance(audience, str):
            audience = AudienceFilter.model_validate_json(audience)
        elif isinstance(audience, dict):
            audience = AudienceFilter.model_validate(audience)
        language = language or self.language
        chosen = dict(categories or {})
        for condition in audience.purchases:
            if condition.category not in chosen:
                chosen[condition.category] = list(self._category_matcher.match(condition.category).categories)
        items = {phrase: self._category_matcher.items(names) for phrase, names in chosen.items() if names}
        predictions = None
        try:
            predictions = self.customer_predictions()
        except DataError:
            if audience.needs_predictions():
                raise
        segments = self.segmenter.labels_ if self.segmenter is not None else None
        result = apply_audience(audience, events=self.dataset.events, users=self.dataset.users,
                                customers=self.dataset.user_ids, category_items=items, predictions=predictions,
                                segments=segments, language=language)
        summary = {}
        if predictions is not None and len(result.members):
            members = predictions.reindex(result.members).dropna(subset=["expected_orders"])
            if len(members):
                summary = {"spend_to_date_mean": round(float(members["spend_to_date"].mean()), 2),
                           "expected_spend_mean": round(float(members["expected_spend"].mean()), 2),
                           "high_churn_share": round(float((members["churn_band"] == "high").mean()), 3)}
        notes = [*result.notes] + [f"{phrase} = {', '.join(names)}" for phrase, names in chosen.items()]
        return Audience(name=name, filter=audience, words=describe(audience, language), categories=chosen,
                        members=result.members, total_customers=result.total_customers, funnel=result.funnel,
                        summary=summary, notes=tuple(notes))

    def _audience_path(self, name: str) -> Path:
        import re
        slug = re.sub(r"[^\w-]+", "_", str(name).strip().lower(), flags=re.UNICODE).strip("_")
        if not slug:
            raise DataError(f"'{name}' cannot be an audience name", fix="use letters or digits, e.g. 'lapsed parents'")
        return self.workspace / AUDIENCE_DIR / f"{slug}.json"

    def save_audience(self, name: str, audience, *, categories: dict[str, list[str]] | None = None,
                      overwrite: bool = False) -> Audience:
        """Run and save a named audience in the workspace; afterwards the name works wherever a segment does
        (recommend_for_segment, plan_campaign, write_copy, evaluate(audience=...), predict(audience=...)).
        An existing name is only replaced with overwrite=True."""
        path = self._audience_path(name)
        if path.exists() and not overwrite:
            raise DataError(f"an audience named '{name}' already exists", fix="choose another name or pass overwrite=True")
        built = self.build_audience(audience, categories=categories, name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"name": name, "filter": built.filter.model_dump(), "categories": built.categories,
                                    "size_when_saved": built.size}, ensure_ascii=False, indent=1), encoding="utf-8")
        return built

    def audiences(self) -> pd.DataFrame:
        """The saved audiences: name, the filter in words, size when saved."""
        from segmentation.audience import AudienceFilter, describe
        rows = []
        for path in sorted((self.workspace / AUDIENCE_DIR).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            rows.append({"name": data["name"], "conditions": describe(AudienceFilter(**data["filter"]), self.language),
                         "size_when_saved": data.get("size_when_saved")})
        return pd.DataFrame(rows, columns=["name", "conditions", "size_when_saved"])

    def audience(self, name: str) -> Audience:
        """A saved audience, re-run on the current data."""
        path = self._audience_path(_audience_name(name))
        if not path.exists():
            saved = self.audiences()["name"].tolist()
            raise DataError(f"there is no saved audience '{name}'",
                            fix=f"save it first with save_audience; saved: {', '.join(saved) or 'none'}")
        data = json.loads(path.read_text(encoding="utf-8"))
        return self.build_audience(data["filter"], categories=data["categories"], name=data["name"])

    def _as_audience(self, target) -> Audience | None:
        """The saved audience `target` names ("audience: lapsed parents" or just its name), else None."""
        if not isinstance(target, str) or str(target).strip().lstrip("-").isdigit():
            return None
        try:
            path = self._audience_path(_audience_name(target))
        except DataError:
            return None
        return self.audience(target) if path.exists() else None

    def _audience_summary(self, members: pd.Index) -> dict:
        """Segment-style aggregates of an audience (the members vs everyone else) for plans and copy."""
        from segmentation.profiles import build_profiles
        labels = pd.Series(0, index=self.features.index, name="segment")
        labels[labels.index.isin(members)] = 1
        profiles = build_profiles(labels, self.features, self.dataset.events, self.dataset.products,
                                  self.dataset.users, self.user_texts)
        return profiles.segment_summary(1)

    # ------------------------------------------------------------------ the next campaign
    def next_campaign_advice(self, campaign_id: str | int | None = None, *, evaluation=None,
                             metric: str = "conversion", mde_relative: float = 0.1, **evaluate_kwargs
                             ) -> NextCampaignAdvice:
        """What to change next time, from a campaign's evaluation: keep the variant that won, drop what lost,
        target the segments that responded, and size a follow-up test where the result is inconclusive.
        Pass `evaluation` (from `evaluate`) or the arguments of `evaluate`."""
        from campaigns.advice import next_campaign_advice
        evaluation = evaluation if evaluation is not None else self.evaluate(campaign_id, **evaluate_kwargs)
        metrics = set(evaluation.uplift["metric"])
        if metric not in metrics:
            raise DataError(f"this evaluation has no '{metric}' metric", fix=f"choose one of {sorted(metrics)}")
        advice = next_campaign_advice(evaluation, metric=metric, mde_relative=mde_relative)
        return NextCampaignAdvice(campaign=f"campaign {evaluation.campaign_id or campaign_id or ''}".strip(),
                                  advice=advice, observational=evaluation.observational)

    def uplift_targeting(self, campaign_id: str | int | None = None, *, exposures: pd.DataFrame | None = None,
                         outcomes: pd.DataFrame | None = None, outcome: str = "visited", arm: str | None = None
                         ) -> UpliftTargeting:
        """Who to send the next campaign to: a T-learner (campaigns.uplift) learns from a randomised campaign
        (treated vs control) how each customer's `outcome` responds to being sent, from their features; it is
        scored with the Qini coefficient on held-out customers. Needs a control arm."""
        from campaigns.uplift import UpliftTLearner, prepare_features, qini_auc
        from sklearn.model_selection import train_test_split
        frame = self._campaign_frame(campaign_id, exposures, outcomes, outcome, arm)
        X = prepare_features(frame[self.features.columns.tolist()])
        t, y = frame["treated"].to_numpy(), frame["y"].to_numpy()
        fit_rows, test_rows = train_test_split(np.arange(len(frame)), test_size=UPLIFT_HOLDOUT,
                                               random_state=self.random_state, stratify=t)
        checked = UpliftTLearner(random_state=self.random_state).fit(X.iloc[fit_rows], t[fit_rows], y[fit_rows])
        qini = qini_auc(y[test_rows], checked.predict_uplift(X.iloc[test_rows]), t[test_rows])
        model = UpliftTLearner(random_state=self.random_state).fit(X, t, y)  # the audience uses all the data
        everyone = prepare_features(self.features)
        uplift = model.predict_uplift(everyone[X.columns])
        segments = (self.labels.reindex(self.features.index) if self.segmenter is not None
                    else pd.Series(-1, index=self.features.index))
        ranking = (pd.DataFrame({"user_id": self.features.index.astype(str), "segment": segments.to_numpy(),
                                 "uplift": uplift, "target": uplift > 0})
                   .sort_values("uplift", ascending=False, kind="stable").reset_index(drop=True))
        by_segment = (ranking.groupby("segment").agg(customers=("uplift", "size"), mean_uplift=("uplift", "mean"),
                                                     share_positive=("target", "mean"))
                      .reset_index().sort_values("mean_uplift", ascending=False, kind="stable"))
        notes = Bilingual()
        if self.segmenter is None:
            notes.add("segment the customers to see the uplift per segment", "先为客户分群，才能看到各客群的提升")
        return UpliftTargeting(campaign=frame.attrs["campaign"], outcome=outcome, ranking=ranking,
                               by_segment=by_segment.round({"share_positive": 3}), qini=float(qini),
                               holdout_users=len(test_rows), notes=tuple(notes.en), notes_zh=tuple(notes.zh))

    def _campaign_frame(self, campaign_id, exposures, outcomes, outcome: str, arm: str | None) -> pd.DataFrame:
        """One row per exposed customer with features: treated (0/1), y (the outcome, 0/1)."""
        from assistant.core.data.schema import CONTROL_ARM
        exposures = self.dataset.exposures if exposures is None else exposures
        outcomes = self.dataset.outcomes if outcomes is None else outcomes
        if campaign_id is not None:
            exposures = exposures[exposures["campaign_id"].astype(str) == str(campaign_id)]
            outcomes = outcomes[outcomes["campaign_id"].astype(str) == str(campaign_id)] \
                if "campaign_id" in outcomes.columns else outcomes
        name = f"campaign {campaign_id}" if campaign_id is not None else "the uploaded campaign"
        if exposures.empty:
            raise DataError(f"no exposures for {name}", column="campaign_id",
                            fix="name a campaign of the data, or upload exposures (campaign_id, user_id, arm)")
        if not (exposures["arm"] == CONTROL_ARM).any():
            raise DataError(f"{name} has no '{CONTROL_ARM}' arm: who to target needs a randomised hold-out",
                            column="arm", fix="run the next campaign with a random control group, then ask again")
        if outcome not in outcomes.columns:
            raise DataError(f"the outcomes have no '{outcome}' column", column=outcome,
                            fix=f"choose one of {[c for c in outcomes.columns if c not in ('campaign_id', 'user_id')]}")
        treated_arms = [a for a in exposures["arm"].unique() if a != CONTROL_ARM]
        chosen = arm or (treated_arms[0] if len(treated_arms) == 1 else None)
        if chosen is None or chosen not in treated_arms:
            raise DataError(f"which treatment arm of {name}?", column="arm", fix=f"choose one of {treated_arms}")
        rows = exposures[exposures["arm"].isin([chosen, CONTROL_ARM])].drop_duplicates("user_id")
        y = outcomes.drop_duplicates("user_id").set_index("user_id")[outcome].reindex(rows["user_id"])
        frame = pd.DataFrame({"treated": (rows["arm"] == chosen).astype(int).to_numpy(),
                              "y": y.fillna(0).astype(bool).astype(int).to_numpy()}, index=rows["user_id"].astype(str))
        frame = frame.join(self.features, how="inner")
        if len(frame) < 0.5 * len(rows):
            raise DataError(f"only {len(frame):,} of {len(rows):,} exposed customers are in the loaded data",
                            column="user_id", fix="load the events of the same customers as the campaign")
        frame.attrs["campaign"] = f"{name}, {chosen} vs {CONTROL_ARM}"
        return frame

    def sample_size(self, mde: float = 0.1, *, relative: bool = True, baseline_rate: float | None = None,
                    campaign_id: str | int | None = None, metric: str = "conversion", alpha: float = 0.05,
                    power: float = 0.8) -> SampleSizePlan:
        """Customers per arm the next A/B test needs to detect a lift of `mde` (relative to the baseline by
        default: 0.1 = +10 %; absolute rate points with relative=False). The baseline is `baseline_rate`, else
        the control rate of `campaign_id`'s evaluation, else the share of customers who bought in the data."""
        from campaigns.power import sample_size_per_arm
        if baseline_rate is None and campaign_id is not None:
            evaluation = self.evaluate(campaign_id, by_segment=False)
            rows = evaluation.uplift[evaluation.uplift["metric"] == metric]
            if rows.empty or not 0 < float(rows["control_value"].iloc[0]) < 1:
                raise DataError(f"campaign {campaign_id} has no usable {metric} rate",
                                fix="give baseline_rate (e.g. 0.05) instead")
            baseline_rate, source = float(rows["control_value"].iloc[0]), f"{metric} in the comparison group of campaign {campaign_id}"
            metric_zh = {"conversion": "转化率", "participation": "参与率"}.get(metric, metric)
            source_zh = f"活动 {campaign_id} 对照组的{metric_zh}"
        elif baseline_rate is None:
            from assistant.core.vocabulary import purchases
            buyers = purchases(self.dataset.events)["user_id"].nunique()
            baseline_rate = buyers / max(self.dataset.n_users, 1)
            source = "share of customers with a purchase in the loaded data"
            source_zh = "已加载数据中有购买的客户占比"
            if not 0 < baseline_rate < 1:
                raise DataError("the data gives no baseline rate strictly between 0 and 1",
                                fix="give baseline_rate (e.g. 0.05) or a campaign_id")
        else:
            source, source_zh = "given", "由您给出"
        try:
            n = sample_size_per_arm(float(baseline_rate), float(mde), relative=relative, alpha=alpha, power=power)
        except ValueError as exc:
            raise DataError(str(exc), fix="choose a smaller lift or another baseline") from None
        effect = float(baseline_rate) * float(mde) if relative else float(mde)
        return SampleSizePlan(baseline_rate=float(baseline_rate), mde=effect, n_per_arm=n, alpha=alpha,
                              power=power, source=source, source_zh=source_zh)

    # ------------------------------------------------------------------ notebook rendering
    def __repr__(self) -> str:
        state = f"{self.segmenter.n_segments_} segments" if self.segmenter is not None else "not segmented"
        return f"MarketingAssistant({self.dataset.name!r}, {self.dataset.n_users:,} customers, {state})"

    def _repr_html_(self) -> str:
        import html
        return f"<p>{html.escape(repr(self))}</p>" + self.summary().to_frame().to_html(index=False)

