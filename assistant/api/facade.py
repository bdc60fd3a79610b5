"""`MarketingAssistant`: the one programmatic API that the chat, the Gradio app and the CLI all use.

It only orchestrates: every step is delegated to the package that owns it (data → embeddings → segmentation →
campaigns). Derived state (features, behaviour vectors, the fitted segmenter and recommender, personas) is
computed on first use and kept on the object; files (reports, saved models, persona and vector caches) go to
the workspace folder so a later session can `MarketingAssistant.load(workspace)` and carry on.
"""
from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assistant.core.settings import Settings
from assistant.core.errors import NotReadyError
from assistant.core.data import DataError, Dataset, QualityReport, load_demo, load_files
from assistant.api.results import (
    Audience, AudienceDraft, CopyVariants, HoldoutCheck, Predictions, Recommendations, ReportFiles, SegmentOverview,
)

SEGMENTER_FILE = "segmenter.joblib"
RECOMMENDER_FILE = "recommender.joblib"
DATASET_DIR = "dataset"
AUDIENCE_DIR = "audiences"
COPY_CHANNELS = {"wechat": "push"}  # a WeChat service message is short text + link: push-length copy


def _audience_name(text: str) -> str:
    """'audience: lapsed parents' / 'Audience lapsed parents' -> 'lapsed parents'."""
    text = str(text).strip()
    return text[len("audience"):].strip(" :") if text.lower().startswith("audience") else text


def parse_offer(offer):
    """15, "15%", "15% off" -> a percent-off Offer; "free shipping" -> free shipping; None -> let the plan choose."""
    from campaigns.strategy import Offer
    if offer is None or isinstance(offer, (Offer, dict)):
        return offer
    text = str(offer).strip().lower()
    if "ship" in text or "包邮" in text:
        return Offer(type="free_shipping")
    try:
        return Offer(type="percent_off", value=float(text.replace("% off", "").rstrip("%").strip()))
    except ValueError:
        raise DataError(f"offer '{offer}' is not understood", fix="give a percent off such as 15, or 'free shipping'") from None


_FITTED_RECOMMENDERS: dict[tuple, Any] = {}
_FITTED_LOCK = threading.Lock()


def _fingerprint(events: pd.DataFrame) -> int:
    """Content hash of the interactions: identical data in two sessions shares one fitted recommender."""
    columns = [c for c in ("user_id", "item_id", "timestamp") if c in events.columns]
    return int(pd.util.hash_pandas_object(events[columns], index=False).sum())


class MarketingAssistant:
    """Segments with personas, recommendations, campaign plans and copy, and campaign evaluation on one dataset.

    Parameters
    ----------
    dataset: the cleaned tables (see `assistant.core.data`).
    workspace: folder for reports, fitted models and caches (default: `MKT_WORKSPACE` or ~/.mkt_assistant).
    language: default language of LLM-written text, "en" or "zh".
    llm / encoder: injected for tests or to share one model between sessions; created lazily otherwise.
    random_state: seed of every learned step, so the same data and seed give the same segments.
    """

    def __init__(self, dataset: Dataset, *, workspace: str | Path | None = None, language: str = "en",
                 llm: Any = None, encoder: Any = None, settings: Settings | None = None, random_state: int = 0):
        self.settings = settings or Settings.from_env()
        self.workspace = Path(workspace or self.settings.workspace).expanduser()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.dataset = dataset
        self.language = language
        self.random_state = random_state
        self._llm = llm
        self._encoder = encoder
        self.segmenter = None
        self.profiles = None
        self._personas: dict[str, dict[int, Any]] = {}
        self._recommender = None
        self.test_files = None       # the uploaded campaign test (load_test), evaluated by evaluate()
        self.last_evaluation = None  # the last CampaignEvaluation, for the chat's follow-up questions
        self._predictors: dict[tuple[int, str], Any] = {}

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
        """Reopen a workspace written by `save()`: the dataset and the fitted segmenter/recommender."""
        workspace = Path(workspace)
        folder = workspace / DATASET_DIR
        if not folder.exists():
            raise DataError(f"no saved assistant in '{workspace}'", fix="call MarketingAssistant.save() first")
        tables = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}
        meta = json.loads((folder / "meta.json").read_text())
        dataset = Dataset(name=meta["name"], quality=QualityReport(), **tables)
        assistant = cls(dataset, workspace=workspace, **kwargs)
        if (workspace / SEGMENTER_FILE).exists():
            from segmentation import Segmenter
            assistant._adopt_segmenter(Segmenter.load(workspace / SEGMENTER_FILE))
        if (workspace / RECOMMENDER_FILE).exists():
            from campaigns.recommender import Recommender
            assistant._recommender = Recommender.load(workspace / RECOMMENDER_FILE)
        return assistant

    def save(self) -> Path:
        """Write the dataset and the fitted models to the workspace (reload with `MarketingAssistant.load`)."""
        folder = self.workspace / DATASET_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for table in ("events", "products", "users", "campaigns", "exposures", "outcomes", "coupons"):
            getattr(self.dataset, table).to_parquet(folder / f"{table}.parquet", index=False)
        (folder / "meta.json").write_text(json.dumps({"name": self.dataset.name}))
        if self.segmenter is not None:
            self.segmenter.save(self.workspace / SEGMENTER_FILE)
        if self._recommender is not None:
            self._recommender.save(self.workspace / RECOMMENDER_FILE)
        return self.workspace

    # ------------------------------------------------------------------ shared parts, created on first use
    @property
    def llm(self):
        if self._llm is None:
            from assistant.core.llm import get_llm
            self._llm = get_llm(self.settings)
        return self._llm

    @property
    def encoder(self):
        if self._encoder is None:
            from embeddings.cache import get_cached_encoder
            self._encoder = get_cached_encoder(self.settings)
        return self._encoder

    @property
    def quality(self) -> QualityReport:
        return self.dataset.quality

    def summary(self):
        return self.dataset.summary()

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
        """Split the customers into segments and profile them (personas come from `personas()`)."""
        from segmentation import Segmenter
        segmenter = Segmenter(n_segments=n_segments, algorithm=algorithm, behaviour_weight=behaviour_weight,
                              random_state=self.random_state)
        segmenter.fit(self.features, self.user_vectors)
        self._adopt_segmenter(segmenter)
        return self.segments_overview()

    def _adopt_segmenter(self, segmenter) -> None:
        from segmentation.profiles import build_profiles
        self.segmenter = segmenter
        self.profiles = build_profiles(segmenter.labels_, self.features, self.dataset.events,
                                       self.dataset.products, self.dataset.users, self.user_texts)
        self._personas = {}
        self._recommender = None  # segment popularity depends on the labels

    def _require_segments(self) -> None:
        if self.segmenter is None:
            raise NotReadyError("no segments yet — segment the customers first (e.g. 'split my customers into "
                                "5 groups', `assistant.segment(5)` or `mkt segment`)")

    @property
    def labels(self) -> pd.Series:
        self._require_segments()
        return self.segmenter.labels_

    def personas(self, language: str | None = None) -> dict[int, Any]:
        """LLM-written personas per segment, from segment aggregates only; cached by profile hash on disk."""
        from segmentation.personas import generate_personas
        self._require_segments()
        language = language or self.language
        if language not in self._personas:
            self._personas[language] = generate_personas(self.profiles, llm=self.llm, language=language,
                                                         cache_dir=self.workspace / "personas")
        return self._personas[language]

    def segment_names(self, language: str | None = None, *, with_llm: bool = True) -> dict[int, str]:
        if with_llm:
            return {s: p.name for s, p in self.personas(language).items()}
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

    def _with_predictions(self, table: pd.DataFrame) -> pd.DataFrame:
        """Adds the predicted 90-day value per customer (CLV) and the share at high churn risk per segment
        (campaigns.predictive); data without dated orders keeps the table as it is."""
        from campaigns.predictive import segment_summary
        try:
            by_segment = segment_summary(self.customer_predictions(), self.labels).set_index("segment")
        except DataError:
            return table
        table["clv_90d_mean"] = table["segment"].map(by_segment["expected_spend_mean"])
        table["high_churn_share"] = table["segment"].map(by_segment["high_churn_share"])
        return table

    def _signature(self) -> pd.Series:
        """Per segment, the categories it buys more of than everyone (lift), last category level, top 3."""
        sig = self.profiles.signature_categories
        if sig is None or sig.empty:
            return pd.Series(dtype=str)
        return (sig.sort_values(["segment", "rank"]).groupby("segment")
                .apply(lambda g: ", ".join(f"{str(c).split(' > ')[-1].title()} ({l:.1f}×)"
                                           for c, l in g[["category", "lift"]].head(3).itertuples(index=False))))

    def resolve_segment(self, segment: int | str) -> int:
        """A segment id from an id, "segment 2", or a persona-name phrase such as "young families"."""
        self._require_segments()
        known = set(self.profiles.segments)
        if isinstance(segment, (int, np.integer)) or str(segment).strip().lstrip("-").isdigit():
            value = int(segment)
            if value not in known:
                raise DataError(f"there is no segment {value}", fix=f"choose one of {sorted(known)}")
            return value
        from assistant.api.segment_lookup import resolve_segment
        names = self.segment_names()
        found = resolve_segment(str(segment), names, self.encoder)
        if found is None:
            listing = "; ".join(f"{s}: {n}" for s, n in names.items())
            raise DataError(f"no segment matches '{segment}'", fix=f"name one of the segments ({listing})")
        return int(found)

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
        """The fitted recommender, shared between assistants over the same tables and segments (read-only).

        Blend weights are tuned once per dataset (the slow part); re-segmenting refits with those weights and
        the same item vectors, which only recomputes the co-occurrence and segment-popularity tables."""
        if self._recommender is None:
            segments = self.segmenter.labels_ if self.segmenter is not None else None
            base_key = (_fingerprint(self.dataset.events), self.random_state)
            with _FITTED_LOCK:
                if base_key not in _FITTED_RECOMMENDERS:
                    _FITTED_RECOMMENDERS[base_key] = self._fit_recommender(None, weights="tune")
                base = _FITTED_RECOMMENDERS[base_key]
                if segments is None:
                    self._recommender = base
                else:
                    key = (*base_key, int(pd.util.hash_pandas_object(segments).sum()))
                    if key not in _FITTED_RECOMMENDERS:
                        _FITTED_RECOMMENDERS[key] = self._fit_recommender(segments, weights=dict(base.weights_),
                                                                          vectors_from=base)
                    self._recommender = _FITTED_RECOMMENDERS[key]
        return self._recommender

    def _fit_recommender(self, segments, weights, vectors_from=None):
        from campaigns.rec_eval import ItemVectors
        from campaigns.recommender import Recommender
        events = self.dataset.events
        # Content vectors for products customers interacted with; catalogue-only items (e.g. coupon lists) would
        # multiply the first-run embedding time for items that no signal but text can reach.
        products = self.dataset.products[self.dataset.products["item_id"].isin(events["item_id"].unique())]
        vectors = (ItemVectors(vectors_from.items_.ids, vectors_from.vectors_) if vectors_from is not None
                   else None)
        model = Recommender(weights=weights, random_state=self.random_state, encoder=self.encoder)
        return model.fit(events, products, segments=segments, item_vectors=vectors)

    def recommend(self, user_id: str | int, k: int = 10, **filters) -> Recommendations:
        """Top-k products for one customer with a reason each (filters: category, min_price, max_price,
        exclude_purchased, in_stock_only)."""
        from campaigns.recommender import UnknownUserError
        try:
            items = self.recommender.recommend(str(user_id), k=k, **filters)
        except UnknownUserError:
            raise DataError(f"customer '{user_id}' is not in the data ({self.dataset.n_users:,} customers loaded)",
                            column="user_id", fix="check the id, e.g. pick one from the Data tab") from None
        return Recommendations(target=f"customer {user_id}", items=items)

    def recommend_for_segment(self, segment: int | str, k: int = 10, **filters) -> Recommendations:
        """Top-k products for a segment (id or persona phrase) or a saved audience (its name)."""
        audience = self._as_audience(segment)
        if audience is not None:
            from campaigns.audience_recs import recommend_for_members
            items = recommend_for_members(self.recommender, audience.members, self.dataset.products, k=k,
                                          random_state=self.random_state)
            return Recommendations(target=f"audience {audience.name}", items=items)
        segment_id = self.resolve_segment(segment)
        items = self.recommender.recommend_for_segment(segment_id, k=k, **filters)
        return Recommendations(target=f"segment {segment_id}", items=items)

    def similar_products(self, item_id: str, k: int = 10) -> Recommendations:
        from campaigns.recommender import UnknownItemError
        try:
            items = self.recommender.similar_products(str(item_id), k=k)
        except UnknownItemError:
            raise DataError(f"product '{item_id}' is not in the catalogue", column="item_id",
                            fix="check the product id") from None
        return Recommendations(target=f"product {item_id}", items=items)

    # ------------------------------------------------------------------ campaigns
    def plan_campaign(self, segment: int | str, *, offer: float | str | None = None, channel: str | None = None,
                      language: str | None = None):
        """An editable plan for one segment: featured products, offer, channel, send time, expected reach.

        offer: percent off (15 or "15%"), "free shipping", or a `campaigns.strategy.Offer`; None lets the plan
        choose from the segment's price sensitivity and past coupon redemption."""
        from campaigns.strategy import plan_campaign
        audience = self._as_audience(segment)
        if audience is not None:  # a saved audience plans like a segment without a persona
            from campaigns.audience_recs import recommend_for_members
            featured = recommend_for_members(self.recommender, audience.members, self.dataset.products, k=5,
                                             random_state=self.random_state)
            activity = self.dataset.events[self.dataset.events["user_id"].isin(audience.members)]
            return plan_campaign(f"audience {audience.name}", self._audience_summary(audience.members), None,
                                 featured, offer=parse_offer(offer), channel=COPY_CHANNELS.get(channel, channel),
                                 activity=activity)
        segment_id = self.resolve_segment(segment)
        persona = self.personas(language).get(segment_id)
        featured = self.recommender.recommend_for_segment(segment_id, k=5)
        activity = self.dataset.events[self.dataset.events["user_id"].isin(self._members(segment_id))]
        return plan_campaign(segment_id, self.profiles.segment_summary(segment_id), persona, featured,
                             offer=parse_offer(offer), channel=COPY_CHANNELS.get(channel, channel), activity=activity)

    def _members(self, segment_id: int) -> pd.Index:
        return self.labels[self.labels == segment_id].index

    def write_copy(self, segment: int | str, *, channel: str = "email", offer: float | str | None = None,
                   language: str | None = None, n_variants: int = 3) -> CopyVariants:
        """Campaign copy variants grounded in the persona and the featured products; checked, not trusted
        (discounts above the offer and personal data are caught in code)."""
        from campaigns.copywriting import write_copy
        language = language or self.language
        plan = self.plan_campaign(segment, offer=offer, channel=channel, language=language)
        audience = self._as_audience(segment)
        if audience is not None:
            persona, members, name = None, audience.members, f"audience {audience.name}"
        else:
            segment_id = int(plan.segment_id)
            persona = self.personas(language).get(segment_id)
            members = self._members(segment_id)
            name = persona.name if persona is not None else f"segment {segment_id}"
        variants = write_copy(plan, persona, n_variants=n_variants, language=language, channel=plan.channel,
                              llm=self.llm, known_user_ids=members.tolist())
        notes = (f"{channel} uses the {plan.channel} length limits",) if channel in COPY_CHANNELS else ()
        return CopyVariants(segment=name, channel=channel, language=language, variants=list(variants), notes=notes)

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
            result = self._evaluate_dataset_campaign(campaign_id, participation=participation, control=control,
                                                     segments=segments, **options)
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

    # ------------------------------------------------------------------ notebook rendering
    def __repr__(self) -> str:
        state = f"{self.segmenter.n_segments_} segments" if self.segmenter is not None else "not segmented"
        return f"MarketingAssistant({self.dataset.name!r}, {self.dataset.n_users:,} customers, {state})"

    def _repr_html_(self) -> str:
        import html
        return f"<p>{html.escape(repr(self))}</p>" + self.summary().to_frame().to_html(index=False)

