"""`mkt`: the command line over the same facade as the UI and the Python API (one verb per capability).

    mkt ingest --events my_events.csv --mapping mapping.yaml     # load + clean, print the quality report, save
    mkt quality                                                  # the data-quality report of the loaded data
    mkt segment --n 5                                            # segments (+ personas with --personas)
    mkt describe 2                                               # who segment 2 is (persona + numbers)
    mkt personas                                                 # LLM-written personas per segment
    mkt report --out report.html                                 # persona report (HTML + Markdown)
    mkt recommend 1029 -k 10                                     # products for one customer (or --segment 2)
    mkt products "organic milk"                                  # product search by text (vector store)
    mkt similar "organic milk"                                   # products similar to one (id or words)
    mkt plan --segment 1 --channel email --offer 15              # an editable campaign plan
    mkt copy --segment 1 --channel sms --offer 15 --language zh  # plan + copy variants
    mkt evaluate --campaign 18                                   # a campaign of the loaded data
    mkt evaluate --exposures F --outcomes G --mapping M --control "No E-Mail"   # your own test export
    mkt predict --horizon 90 --top 10                            # CLV, churn risk, next order (+ --check)
    mkt audience "women 25-34 who bought baby products in the last 30 days"   # show the filter; --run / --save NAME
    mkt advise --campaign 18                                     # next-campaign advice from the evaluation
    mkt uplift --campaign 7                                      # who to target next (needs a control arm)
    mkt sample-size --mde 0.1 --campaign 18                      # customers per arm for the next test
    mkt save / mkt load                                          # save the state / show a saved workspace
    mkt ui                                                       # the Gradio app on http://127.0.0.1:7860
    mkt llm status                                               # the local LLM servers mkt started
    mkt llm stop                                                 # stop this workspace's one (--pid N, --all)

State lives in the workspace (--workspace or MKT_WORKSPACE): `ingest` and `segment` save there and later verbs
reuse it; without a saved dataset the bundled demo data is used. MKT_BACKEND=ray runs encoding and segmentation
on Ray. A user error prints one line to stderr and exits with code 2 (`main` is the one place that does it).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.core.settings import Settings, offline_environment
from assistant.core.vocabulary import CHANNELS, LANGUAGES, markdown_table

PUBLIC_LOADERS = ("completejourney", "instacart", "taobao", "hillstrom")


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, help="state folder (default: MKT_WORKSPACE or ~/.mkt_assistant)")
    parser.add_argument("--events", help="events file (CSV / gzip CSV / Parquet)")
    parser.add_argument("--products", help="products file")
    parser.add_argument("--users", help="users file")
    parser.add_argument("--mapping", help="column mapping (YAML or JSON file)")
    parser.add_argument("--dataset", choices=PUBLIC_LOADERS, help="read a public dataset layout from --path")
    parser.add_argument("--path", help="folder (or file) of the public dataset")
    parser.add_argument("--language", choices=LANGUAGES, default=None, help="language of LLM-written text")


def _assistant(args):
    from assistant.core.data import loaders
    from assistant.api.facade import MarketingAssistant
    from assistant.api.workspace import Workspace
    settings = Settings.from_env()
    workspace = Path(args.workspace or settings.workspace)
    language = args.language or settings.language
    if args.dataset:
        if not args.path:
            from assistant.core.errors import DataError
            raise DataError("--dataset needs --path", fix="point --path at the dataset's folder or file")
        dataset = getattr(loaders, f"load_{args.dataset.replace('completejourney', 'complete_journey')}")(args.path)
        return MarketingAssistant(dataset, workspace=workspace, language=language)
    if args.events:
        return MarketingAssistant.from_files(events=args.events, products=args.products, users=args.users,
                                             mapping=args.mapping, workspace=workspace, language=language)
    if Workspace(workspace, settings).has_dataset:
        return MarketingAssistant.load(workspace, language=language)
    return MarketingAssistant.from_demo(workspace=workspace, language=language)


def cmd_ingest(args) -> None:
    assistant = _assistant(args)
    print(assistant.data_quality().to_markdown())
    print(f"\nSaved to {assistant.save()}")


def cmd_quality(args) -> None:
    print(_assistant(args).data_quality().to_markdown())


def cmd_segment(args) -> None:
    assistant = _assistant(args)
    n = "auto" if args.n in (None, "auto") else int(args.n)
    print(f"Segmenting {assistant.dataset.n_users:,} customers ({assistant.backend.name} backend)…", file=sys.stderr)
    assistant.segment(n, algorithm=args.algorithm, behaviour_weight=args.weight)
    print(assistant.segments_overview(with_personas=args.personas).to_markdown())
    assistant.save()


def _segmented(args):
    """The assistant with segments (segmenting and saving first when the workspace has none)."""
    assistant = _assistant(args)
    if assistant.ensure_segments():
        assistant.save()
    return assistant


def cmd_describe(args) -> None:
    print(_segmented(args).describe_segment(args.segment).to_markdown())


def cmd_personas(args) -> None:
    print(_segmented(args).segments_overview(with_personas=True).to_markdown())


def cmd_report(args) -> None:
    files = _segmented(args).report(out=args.out)
    print(f"HTML: {files.html}\nMarkdown: {files.markdown}")


def cmd_recommend(args) -> None:
    if args.user_id is None and args.segment is None:
        from assistant.core.errors import DataError
        raise DataError("give a customer id or --segment", fix="e.g. `mkt recommend 1029` or `mkt recommend --segment 2`")
    if args.segment is not None:
        assistant = _segmented(args)
        recs = assistant.recommend_for_segment(args.segment, k=args.k)
    else:
        assistant = _assistant(args)
        recs = assistant.recommend(args.user_id, k=args.k, exclude_purchased=args.exclude_purchased)
    print(recs.to_markdown(assistant.language))


def cmd_products(args) -> None:
    print(_assistant(args).search_products(args.query, k=args.k).to_markdown())


def cmd_similar(args) -> None:
    print(_assistant(args).similar_products(args.product, k=args.k).to_markdown())


def cmd_plan(args) -> None:
    from assistant.api.results import model_markdown
    plan = _segmented(args).plan_campaign(args.segment, offer=args.offer, channel=args.channel)
    print(model_markdown(plan))


def cmd_copy(args) -> None:
    from assistant.api.results import model_markdown
    assistant = _segmented(args)
    plan = assistant.plan_campaign(args.segment, offer=args.offer, channel=args.channel)
    print(model_markdown(plan))
    print()
    print(assistant.write_copy(plan=plan, n_variants=args.variants,
                               language=getattr(args, "language", None)).to_markdown())


def _uploaded(args) -> dict:
    """exposures/outcomes tables from --exposures/--outcomes (empty dict when not given)."""
    if not args.exposures:
        return {}
    from assistant.core.data import load_files
    uploaded = load_files(exposures=args.exposures, outcomes=args.outcomes, mapping=args.mapping, name="upload")
    return {"exposures": uploaded.exposures, "outcomes": uploaded.outcomes}


def _metrics_arg(values: list[str] | None):
    """--metric orders:count --metric revenue --metric revenue/orders -> {name: kind or None}."""
    if not values:
        return None
    out = {}
    for value in values:
        name, _, kind = value.partition(":") if "/" not in value else (value, "", "")
        out[name.strip()] = kind.strip() or None
    return out


def _test_assistant(args):
    """For an uploaded test the demo data are not needed: a saved workspace (its segments give a breakdown) or
    an empty dataset, which spares loading the demo."""
    from assistant.api.facade import MarketingAssistant
    from assistant.api.workspace import Workspace
    from assistant.core.data import Dataset, QualityReport
    workspace = Path(args.workspace or Settings.from_env().workspace)
    if args.events or args.dataset or Workspace(workspace).has_dataset:
        return _assistant(args)
    return MarketingAssistant(Dataset(name="evaluation", quality=QualityReport()), workspace=workspace)


def cmd_evaluate(args) -> None:
    uploaded = bool(args.table or args.exposures or args.outcomes)
    assistant = _test_assistant(args) if uploaded else _assistant(args)
    split = [float(x) for x in args.split.split(",")] if args.split else None
    options = dict(arm_column=args.arm_column, control=args.control, metrics=_metrics_arg(args.metric),
                   covariate=args.covariate if args.covariate is not None else "auto",
                   robust=args.robust, sequential=args.sequential, expected_split=split, force=args.force)
    if uploaded:
        if args.outcomes and not (args.table or args.exposures):
            from assistant.core.data import DataError
            raise DataError("--outcomes needs --exposures (which arm was each user in?)",
                            fix="add --exposures FILE, or give one file with --table")
        evaluation = assistant.evaluate(table=args.table, exposures=args.exposures, outcomes=args.outcomes,
                                        mapping=args.mapping, **options)
    else:
        evaluation = assistant.evaluate(args.campaign, participation=args.participation, **options)
    print(evaluation.to_markdown(language=args.language or "en"))


def cmd_predict(args) -> None:
    assistant = _assistant(args)
    if args.check:
        print(assistant.predict_check(holdout_days=args.horizon).to_markdown())
        return
    predictions = assistant.predict(args.horizon, model=args.model, audience=args.audience)
    print(predictions.to_markdown(max_rows=args.top))
    if args.out:
        predictions.customers.to_csv(args.out)
        print(f"\nAll {len(predictions.customers):,} customers written to {args.out}")


def cmd_audience(args) -> None:
    assistant = _assistant(args)
    if args.list or not args.sentence:
        table = assistant.audiences()
        from assistant.api.results import frame_markdown
        print(frame_markdown(table) if len(table) else "No saved audiences yet.")
        return
    draft = assistant.parse_audience(args.sentence, use_llm=not args.no_llm)
    print(draft.to_markdown())
    if not (args.run or args.save):
        print("\nRun it with --run, or save it with --save NAME.")
        return
    if not draft.ready:
        from assistant.core.errors import DataError
        raise DataError("not run: the warnings above need resolving first",
                        fix="rephrase the sentence or leave out the condition the data cannot answer")
    audience = (assistant.save_audience(args.save, draft, overwrite=args.overwrite) if args.save
                else assistant.build_audience(draft))
    print()
    print(audience.to_markdown())
    if args.save:
        print(f"\nSaved as '{args.save}': use it wherever a segment goes, e.g. mkt recommend --segment '{args.save}'")


def cmd_advise(args) -> None:
    advice = _assistant(args).next_campaign_advice(args.campaign, metric=args.metric, **_uploaded(args))
    print(advice.to_markdown())


def cmd_uplift(args) -> None:
    targeting = _assistant(args).uplift_targeting(args.campaign, outcome=args.outcome, arm=args.arm,
                                                  **_uploaded(args))
    print(targeting.to_markdown())
    if args.out:
        targeting.ranking.to_csv(args.out, index=False)
        print(f"\nRanked customers written to {args.out}")


def cmd_sample_size(args) -> None:
    plan = _assistant(args).sample_size(args.mde, relative=not args.absolute, baseline_rate=args.baseline,
                                        campaign_id=args.campaign, alpha=args.alpha, power=args.power)
    print(plan.to_markdown())


def cmd_save(args) -> None:
    assistant = _assistant(args)
    print(f"Saved to {assistant.save()}")


def cmd_load(args) -> None:
    from assistant.api.facade import MarketingAssistant
    workspace = Path(args.workspace or Settings.from_env().workspace)
    print(repr(MarketingAssistant.load(workspace)))


def cmd_ui(args) -> None:
    from assistant.ui import launch
    launch(host=args.host, port=args.port)


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def cmd_llm_status(args) -> int:
    from assistant.core.local_llm import managed_servers
    servers = managed_servers()
    if not servers:
        print("No local LLM server started by mkt is running.")
        return 0
    rows = [[str(r.pid), str(r.port), Path(r.model).name, str(r.n_threads or "?"),
             f"pid {r.owner_pid}" + (" (gone: orphan)" if condition == "orphaned" else ""), r.workspace,
             _age(time.time() - r.started_at)] for r, condition in servers]
    import pandas as pd
    print(markdown_table(pd.DataFrame(rows, columns=["pid", "port", "model", "threads", "owner", "workspace", "up"]),
                         max_rows=None))
    return 0


def cmd_llm_stop(args) -> int:
    from assistant.core.local_llm import managed_servers
    servers = [record for record, _ in managed_servers()]
    if args.pid is not None:
        chosen = [r for r in servers if r.pid == args.pid]
        if not chosen:
            print(f"mkt llm: pid {args.pid} is not a local LLM server started by mkt (see `mkt llm status`)",
                  file=sys.stderr)
            return 2
    elif args.all:
        chosen = servers
    else:
        workspace = Path(args.workspace or Settings.from_env().workspace).expanduser().resolve()
        chosen = [r for r in servers if Path(r.workspace) == workspace]
        if not chosen:
            print(f"No local LLM server is running for workspace {workspace} (`mkt llm status` lists all).")
            return 0
    if not chosen:
        print("No local LLM server started by mkt is running.")
    failed = 0
    for record in chosen:
        if record.stop():
            print(f"Stopped the local LLM server pid {record.pid} (port {record.port}, "
                  f"workspace {record.workspace}).")
        else:
            failed += 1
            print(f"mkt llm: could not stop pid {record.pid} (not allowed, or it ignores SIGKILL)", file=sys.stderr)
    return 2 if failed else 0


def _verb(sub, name: str, func, *, help: str) -> argparse.ArgumentParser:  # noqa: A002 - argparse's name
    """A sub-command that works on the loaded data (the common data/workspace options) and runs `func`."""
    parser = sub.add_parser(name, help=help)
    _add_data_args(parser)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mkt", description="LLM-augmented e-commerce marketing assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    _verb(sub, "ingest", cmd_ingest, help="load + clean data, print the quality report, save to the workspace")

    _verb(sub, "quality", cmd_quality, help="the data-quality report of the loaded data")

    p = _verb(sub, "segment", cmd_segment, help="segment customers")
    p.add_argument("--n", default="auto", help="number of segments or 'auto'")
    p.add_argument("--algorithm", default="auto", choices=("auto", "kmeans", "minibatch", "hdbscan"))
    p.add_argument("--weight", type=float, default=0.5, help="weight of behaviour embeddings vs RFM features")
    p.add_argument("--personas", action="store_true", help="also write personas with the LLM")

    p = _verb(sub, "describe", cmd_describe, help="who a segment is: persona and numbers")
    p.add_argument("segment", help="segment id or persona name")

    _verb(sub, "personas", cmd_personas, help="LLM-written personas per segment")

    p = _verb(sub, "report", cmd_report, help="write the persona report (HTML + Markdown)")
    p.add_argument("--out", type=Path, default=None, help="HTML path (the .md goes beside it)")

    p = _verb(sub, "recommend", cmd_recommend, help="products for a customer (or --segment)")
    p.add_argument("user_id", nargs="?", help="customer id")
    p.add_argument("--segment", help="segment id or persona name instead of a customer")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--exclude-purchased", action="store_true")

    p = _verb(sub, "products", cmd_products, help="search products by text (semantic search in the vector store)")
    p.add_argument("query", help="words describing the product")
    p.add_argument("-k", type=int, default=10)

    p = _verb(sub, "similar", cmd_similar, help="products similar to one product (id or words of its name)")
    p.add_argument("product")
    p.add_argument("-k", type=int, default=10)

    for verb, func, text in (("plan", cmd_plan, "plan a campaign for a segment"),
                             ("copy", cmd_copy, "plan a campaign for a segment and write copy variants")):
        p = _verb(sub, verb, func, help=text)
        p.add_argument("--segment", required=True)
        p.add_argument("--channel", default="email", choices=CHANNELS)
        p.add_argument("--offer", default=None, help="percent off (15, 15%%, 八五折) or 'free shipping'")
        p.add_argument("--variants", type=int, default=3)

    p = _verb(sub, "evaluate", cmd_evaluate, help="evaluate a campaign (dataset campaign or uploaded exposures/outcomes)")
    p.add_argument("--campaign", help="campaign id of the loaded data (not needed for an uploaded test)")
    p.add_argument("--table", help="one file with the arm column and the outcome columns")
    p.add_argument("--exposures", help="exposures file (user id + arm column; campaign id optional)")
    p.add_argument("--outcomes", help="outcomes file (user id + outcome columns: visits, orders, revenue...)")
    p.add_argument("--arm-column", help="column holding the arms (default: recognised: arm, group, variant...)")
    p.add_argument("--control", help="the control arm's name, e.g. 'No E-Mail'; 'none' compares all pairs")
    p.add_argument("--metric", action="append", help="outcome column to evaluate, optionally typed: "
                   "orders:count, revenue:continuous, visited:binary, or a ratio revenue/orders (repeatable)")
    p.add_argument("--covariate", help="pre-period column for CUPED (default: recognised, e.g. history); "
                   "'none' turns it off")
    p.add_argument("--robust", choices=("bootstrap", "trimmed"), help="robust intervals for heavy-tailed amounts")
    p.add_argument("--sequential", action="store_true", help="add always-valid intervals (safe to peek)")
    p.add_argument("--split", help="intended split for the sample-ratio check, e.g. 50,50 or 80,10,10 "
                   "(arms in the order of the table; default equal)")
    p.add_argument("--force", action="store_true", help="evaluate even when under half the outcomes match")
    p.add_argument("--participation", default=None, choices=("visited", "opened", "clicked", "redeemed"))

    for verb, func, text in (
            ("advise", cmd_advise, "advice for the next campaign from a campaign's evaluation"),
            ("uplift", cmd_uplift, "who to target next: customers ranked by predicted uplift (needs a control arm)")):
        p = _verb(sub, verb, func, help=text)
        p.add_argument("--campaign", help="campaign id")
        p.add_argument("--exposures", help="exposures file (campaign_id, user_id, arm)")
        p.add_argument("--outcomes", help="outcomes file (campaign_id, user_id, visited/converted/revenue...)")
        if verb == "advise":
            p.add_argument("--metric", default="conversion", help="metric to improve (conversion, participation, "
                           "revenue_per_user, or an outcome column of an uploaded test)")
        if verb == "uplift":
            p.add_argument("--outcome", default="visited", help="0/1 outcome column to lift (visited, converted…)")
            p.add_argument("--arm", default=None, help="treatment arm (when the campaign has several)")
            p.add_argument("--out", type=Path, default=None, help="write the ranked customers to this CSV")

    p = _verb(sub, "sample-size", cmd_sample_size, help="customers per arm for the next A/B test")
    p.add_argument("--mde", type=float, default=0.1, help="lift to detect: relative (0.1 = +10%%) unless --absolute")
    p.add_argument("--absolute", action="store_true", help="--mde is in rate points (0.01 = +1 point)")
    p.add_argument("--baseline", type=float, default=None, help="baseline rate (default: from --campaign or the data)")
    p.add_argument("--campaign", help="take the baseline from this campaign's comparison group")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--power", type=float, default=0.8)

    _verb(sub, "save", cmd_save, help="save the loaded data and fitted models to the workspace")

    p = sub.add_parser("load", help="open a saved workspace and say what it holds")
    p.add_argument("--workspace", type=Path)
    p.set_defaults(func=cmd_load)

    p = _verb(sub, "predict", cmd_predict, help="predicted orders, spend (CLV), churn risk and next order per customer")
    p.add_argument("--horizon", type=int, default=90, help="days to predict (default 90)")
    p.add_argument("--model", choices=("bgnbd", "boosting", "blend"), default=None, help="default: bgnbd")
    p.add_argument("--top", type=int, default=10, help="customers to print")
    p.add_argument("--audience", help="only the members of this saved audience")
    p.add_argument("--out", type=Path, help="write every customer's prediction to this CSV")
    p.add_argument("--check", action="store_true", help="holdout check: hide the last --horizon days and score")

    p = _verb(sub, "audience", cmd_audience, help="customers from a sentence: show the filter, then --run or --save NAME")
    p.add_argument("sentence", nargs="?", help="e.g. 'high-value customers who have not bought in 60 days'")
    p.add_argument("--run", action="store_true", help="build it after showing the filter")
    p.add_argument("--save", metavar="NAME", help="build and save it under this name")
    p.add_argument("--overwrite", action="store_true", help="replace a saved audience of the same name")
    p.add_argument("--no-llm", action="store_true", help="rules only (no LLM for what they miss)")
    p.add_argument("--list", action="store_true", help="list the saved audiences")

    p = sub.add_parser("ui", help="start the Gradio app")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("llm", help="show or stop the local LLM servers mkt started")
    llm_verbs = p.add_subparsers(dest="llm_command", required=True)
    q = llm_verbs.add_parser("status", help="list them: pid, port, model, owner, workspace")
    q.set_defaults(func=cmd_llm_status)
    q = llm_verbs.add_parser("stop", help="stop the workspace's server (the app starts it again when needed)")
    q.add_argument("--workspace", type=Path, help="state folder (default: MKT_WORKSPACE or ~/.mkt_assistant)")
    which = q.add_mutually_exclusive_group()
    which.add_argument("--pid", type=int, help="stop this server (see `mkt llm status`)")
    which.add_argument("--all", action="store_true", help="stop every server mkt started")
    q.set_defaults(func=cmd_llm_stop)
    return parser


def user_error_line(exc: BaseException) -> str | None:
    """The one line a user sees for an error they can fix; None for a bug (which keeps its traceback)."""
    from assistant.core.errors import DataError, LLMOutputError, LLMUnavailable, NotReadyError
    if isinstance(exc, (DataError, NotReadyError, LLMUnavailable, LLMOutputError, FileNotFoundError)):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    args = build_parser().parse_args(argv)
    if args.command == "llm":  # server housekeeping: no data stack to import
        return args.func(args)
    try:
        args.func(args)
    except Exception as exc:  # noqa: BLE001 - user errors become one line and exit code 2, bugs propagate
        line = user_error_line(exc)
        if line is None:
            raise
        print(f"mkt {args.command}: {line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
