"""Evaluation on exports the project has never seen: shapes, arm names, metric types, more than two arms, and the
data checks that must catch broken files (never a silent all-zero report). Numbers are checked against
scipy / statsmodels on the same data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assistant.core.data.experiment import read_test_files
from assistant.core.errors import ChoiceNeeded, DataError
from campaigns.evaluation import evaluate_test
from campaigns.evaluation.compare import holm


def coupon_test(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    """A coupon A/B test as a shop exports it: 0/1 group column, transactions (count) and revenue."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1], n // 2)
    transactions = rng.poisson(np.where(group == 1, 1.25, 1.0))
    revenue = np.round(transactions * rng.gamma(2.0, 15.0, n), 2)
    return pd.DataFrame({"customer_id": [f"C{6000 + i}" for i in range(n)], "coupon_group": group,
                         "transactions": transactions, "revenue": revenue})


def promotions(seed: int = 5) -> pd.DataFrame:
    """Three promotions, weekly sales per store, no control group (the fast-food marketing test layout)."""
    rng = np.random.default_rng(seed)
    rows = []
    for store in range(120):
        promo = 1 + store % 3
        base = rng.normal(50, 8)
        for week in range(1, 5):
            rows.append({"LocationID": store, "Promotion": promo, "week": week, "MarketSize": "Medium",
                         "SalesInThousands": round(base + {1: 8, 2: 0, 3: 5}[promo] + rng.normal(0, 4), 2)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def hillstrom_raw(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "hillstrom" / "hillstrom.csv.gz")


@pytest.fixture(scope="module")
def hillstrom_raw_eval(hillstrom_raw):
    """The published Hillstrom file evaluated as a marketer's own export (arm names as exported)."""
    return evaluate_test(hillstrom_raw, control="No E-Mail")


# --------------------------------------------------------------------------------------------- shapes
def test_zero_one_group_column_count_and_revenue_outcomes_match_scipy():
    data = coupon_test()
    ev = evaluate_test(data)
    assert ev.arm_column == "coupon_group" and ev.control_arm == "0"
    assert dict(ev.metric_kinds) == {"transactions": "count", "revenue": "continuous"}
    for metric in ("transactions", "revenue"):
        arm, ctl = data.loc[data["coupon_group"] == 1, metric], data.loc[data["coupon_group"] == 0, metric]
        expected = stats.ttest_ind(arm, ctl, equal_var=False)
        ci = expected.confidence_interval(0.95)
        row = ev.uplift_for("1", metric)
        assert row["uplift"] == pytest.approx(arm.mean() - ctl.mean())
        assert (row["ci_low"], row["ci_high"], row["p_value"]) == pytest.approx((ci.low, ci.high, expected.pvalue))
    # the count is compared as a count, not as "any transaction yes/no"
    assert ev.uplift_for("1", "transactions")["arm_value"] > 1


def test_metric_types_can_be_overridden():
    data = coupon_test()
    ev = evaluate_test(data, metrics={"transactions": "binary"})
    row = ev.uplift_for("1", "transactions")
    any_tx = data["transactions"] > 0
    assert row["kind"] == "binary"
    assert row["arm_value"] == pytest.approx(any_tx[data["coupon_group"] == 1].mean())


def test_arms_named_freely_with_a_chinese_control():
    data = coupon_test().assign(coupon_group=lambda f: f["coupon_group"].map({0: "对照组", 1: "满减券"}))
    ev = evaluate_test(data)
    assert ev.control_arm == "对照组" and ev.treatment_arms == ["满减券"]
    assert "满减券" in ev.verdict("zh") and "对照组" in ev.verdict("zh")


def test_two_arms_without_a_recognisable_control_are_asked_for():
    data = coupon_test().assign(coupon_group=lambda f: f["coupon_group"].map({0: "spring", 1: "summer"}))
    with pytest.raises(ChoiceNeeded) as info:
        evaluate_test(data)
    assert info.value.slot == "control" and {"spring", "summer"} <= set(info.value.options)
    assert evaluate_test(data, control="spring").treatment_arms == ["summer"]


def test_several_arm_columns_are_asked_for():
    data = coupon_test().rename(columns={"coupon_group": "group"}).assign(variant=lambda f: f["group"])
    with pytest.raises(ChoiceNeeded) as info:
        evaluate_test(data)
    assert info.value.slot == "arm_column" and set(info.value.options) == {"group", "variant"}
    assert evaluate_test(data, arm_column="variant").arm_column == "variant"


def test_three_arms_without_control_compare_all_pairs_with_holm_and_anova():
    data = promotions()
    ev = evaluate_test(data)
    assert ev.control_arm is None and ev.metrics == ["SalesInThousands"]
    assert any("summed per unit" in n for n in ev.notes)  # 4 weekly rows per store
    assert ev.arms["n"].tolist() == [40, 40, 40]
    assert len(ev.uplift) == 3
    per_store = data.groupby(["LocationID", "Promotion"])["SalesInThousands"].sum().reset_index()
    samples = [per_store.loc[per_store["Promotion"] == p, "SalesInThousands"] for p in (1, 2, 3)]
    omnibus = ev.omnibus.set_index("test")
    assert omnibus.loc["one-way ANOVA (means equal)", "p_value"] == pytest.approx(stats.f_oneway(*samples).pvalue)
    assert omnibus.loc["Kruskal-Wallis (distributions equal)", "p_value"] == pytest.approx(
        stats.kruskal(*samples).pvalue)
    raw = ev.uplift["p_value"].to_numpy()
    assert ev.uplift["p_adjusted"].to_numpy() == pytest.approx(multipletests(raw, method="holm")[1])
    for p in ([0.01, 0.04, 0.03, 0.2], [0.5, 0.001], [0.02, 0.02, 0.9]):
        assert holm(np.array(p)) == pytest.approx(multipletests(p, method="holm")[1])
    assert "1 > 2" in ev.verdict() or "2 < 1" in ev.verdict()


def test_three_arms_with_a_control_and_rates_get_a_chi_square(hillstrom_raw, hillstrom_raw_eval):
    ev = hillstrom_raw_eval
    table = pd.crosstab(hillstrom_raw["segment"], hillstrom_raw["visit"]).to_numpy()
    chi2 = stats.chi2_contingency(table, correction=False)
    omnibus = ev.omnibus.set_index("metric")
    assert omnibus.loc["visit", "p_value"] == pytest.approx(chi2.pvalue)
    visits = ev.uplift[ev.uplift["metric"] == "visit"]
    assert len(visits) == 2 and set(visits["baseline"]) == {"No E-Mail"}


def test_hillstrom_raw_export_matches_published_means_and_reads_as_a_verdict(hillstrom_raw, hillstrom_raw_eval):
    raw, ev = hillstrom_raw, hillstrom_raw_eval
    assert raw["visit"].mean() == pytest.approx(0.14678, abs=5e-6)
    assert raw["conversion"].mean() == pytest.approx(0.00903, abs=5e-6)
    assert raw["spend"].mean() == pytest.approx(1.05091, abs=5e-6)
    arms = ev.arms.set_index("arm")
    assert arms.loc["Mens E-Mail", "visit"] == pytest.approx(0.183, abs=5e-4)
    assert arms.loc["No E-Mail", "visit"] == pytest.approx(0.106, abs=5e-4)
    text = ev.verdict()
    assert text.startswith("Mens E-Mail raised visit rate by 7.7 points (95% CI 7.0 to 8.3), clearly better than "
                           "No E-Mail")
    assert "spend +0.77 per customer, also significant" in text
    assert "提高了 7.7 个百分点" in ev.verdict("zh")
    assert ev.covariate == "history"  # the pre-period spend column is recognised for CUPED
    spend = ev.uplift_for("Mens E-Mail", "spend")
    assert spend["cuped_ci_high"] - spend["cuped_ci_low"] < spend["ci_high"] - spend["ci_low"]


# --------------------------------------------------------------------------------------------- checks
def _split(data: pd.DataFrame, keep_outcomes: float = 1.0, id_prefix: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    exposures = data[["customer_id", "coupon_group"]]
    outcomes = data[["customer_id", "transactions", "revenue"]].copy()
    n_bad = int(round(len(outcomes) * (1 - keep_outcomes)))
    outcomes.loc[outcomes.index[:n_bad], "customer_id"] = id_prefix + outcomes["customer_id"].iloc[:n_bad].str[1:]
    return exposures, outcomes


def test_full_id_match_passes_the_check():
    exposures, outcomes = _split(coupon_test())
    ev = evaluate_test(exposures=exposures, outcomes=outcomes)
    assert not ev.warnings
    checks = ev.checks.set_index("check")
    assert checks.loc["outcome rows match exposures", "status"] == "ok"
    assert ev.uplift_for("1", "transactions")["p_value"] < 0.05


def test_half_matching_ids_warn_and_say_so_first():
    exposures, outcomes = _split(coupon_test(), keep_outcomes=0.6)
    ev = evaluate_test(exposures=exposures, outcomes=outcomes)
    assert ev.warnings and "60.0%" in ev.warnings[0]
    zh = ev.to_markdown("zh")                  # a Chinese reader gets the warning in Chinese
    assert "只有 60.0% 能对上曝光用户" in zh and "Unmatched" not in zh
    text = ev.to_markdown()
    assert text.index("60.0%") < text.index("Verdict") and text.index("Caution") < text.index("| arm |")


def test_notes_follow_the_reader_language():
    exposures, outcomes = _split(coupon_test())
    outcomes = outcomes.iloc[50:]                       # 50 exposed customers without an outcome row
    ev = evaluate_test(exposures=exposures, outcomes=outcomes)
    assert any("no outcome row" in n for n in ev.all_notes())
    zh = ev.all_notes("zh")
    assert len(zh) == len(ev.all_notes()) and any("没有结果记录" in n for n in zh), zh
    assert "no outcome row" not in ev.to_markdown("zh")


def test_ids_that_do_not_match_are_refused_with_the_format_hint():
    exposures, outcomes = _split(coupon_test(), keep_outcomes=0.0)  # C6001 vs 6001
    with pytest.raises(DataError, match="differ in format") as info:
        evaluate_test(exposures=exposures, outcomes=outcomes)
    assert "0.0%" in str(info.value)
    forced = evaluate_test(exposures=exposures, outcomes=outcomes, force=True)
    assert forced.warnings and "0.0%" in forced.warnings[0]


def test_missing_outcome_file_is_an_error_not_a_zero_report():
    exposures, _ = _split(coupon_test())
    with pytest.raises(DataError, match="no outcome column"):
        evaluate_test(exposures=exposures)


def test_sample_ratio_mismatch_is_flagged_and_absent_when_the_split_is_right():
    data = coupon_test(4000)
    skewed = pd.concat([data[data["coupon_group"] == 0].iloc[:1700], data[data["coupon_group"] == 1]])
    ev = evaluate_test(skewed)
    assert ev.warnings and ev.warnings[0].startswith("Sample ratio mismatch")
    expected = stats.chisquare([1700, 2000]).pvalue
    assert f"{expected:.2g}" in ev.warnings[0]
    assert ev.all_warnings("zh")[0].startswith("样本比例不符") and f"{expected:.2g}" in ev.all_warnings("zh")[0]
    assert not evaluate_test(skewed, expected_split=[1700, 2000]).warnings
    assert not evaluate_test(data).warnings


def test_metrics_without_a_source_column_are_left_out_not_shown_as_zero():
    exposures, outcomes = _split(coupon_test())
    ev = evaluate_test(exposures=exposures, outcomes=outcomes)
    assert "visited" not in ev.metrics and "participation" not in ev.to_markdown()
    with pytest.raises(DataError, match="no outcome column 'visited'"):
        evaluate_test(exposures=exposures, outcomes=outcomes, metrics=["visited"])


def test_relative_uplift_interval_contains_its_estimate_everywhere():
    for data in (coupon_test(300, seed=s) for s in range(6)):
        ev = evaluate_test(data)
        rel = ev.uplift.dropna(subset=["rel_uplift", "rel_ci_low"])
        assert not rel.empty
        assert ((rel["rel_ci_low"] <= rel["rel_uplift"]) & (rel["rel_uplift"] <= rel["rel_ci_high"])).all()


def test_relative_interval_never_contradicts_the_test():
    """A 100 % control rate (21/21 vs 141/151): the difference interval includes 0 (p = 0.23), so a relative
    interval that excludes 0 (what the ratio methods give at the boundary) would contradict it: none is shown."""
    from campaigns.evaluation.stats import proportion_uplift
    row = proportion_uplift(141, 151, 21, 21)
    assert row["ci_low"] < 0 < row["ci_high"] and row["p_value"] > 0.05
    assert pd.isna(row["rel_ci_low"]) and pd.isna(row["rel_ci_high"]) and row["rel_uplift"] == pytest.approx(-10 / 151)
    for x_arm, n_arm, x_ctl, n_ctl in ((572, 615, 123, 140), (30, 300, 18, 300), (5, 40, 1, 40)):
        row = proportion_uplift(x_arm, n_arm, x_ctl, n_ctl)
        if pd.notna(row["rel_ci_low"]):
            assert (row["rel_ci_low"] > 0 or row["rel_ci_high"] < 0) == (row["ci_low"] > 0 or row["ci_high"] < 0)


def test_robust_options_for_heavy_tailed_revenue():
    data = coupon_test()
    data.loc[5, "revenue"] = 50_000.0  # one whale in the control group
    plain = evaluate_test(data, metrics=["revenue"]).uplift_for("1", "revenue")
    boot = evaluate_test(data, metrics=["revenue"], robust="bootstrap").uplift_for("1", "revenue")
    trimmed = evaluate_test(data, metrics=["revenue"], robust="trimmed").uplift_for("1", "revenue")
    assert boot["method"].startswith("bootstrap") and boot["ci_low"] <= boot["uplift"] <= boot["ci_high"]
    arm, ctl = (data.loc[data["coupon_group"] == g, "revenue"] for g in (1, 0))
    yuen = stats.ttest_ind(arm, ctl, equal_var=False, trim=0.1)
    assert trimmed["p_value"] == pytest.approx(yuen.pvalue)
    assert trimmed["p_value"] < plain["p_value"]  # the whale hides the effect from the plain t-test


# --------------------------------------------------------------------------------------------- files
def test_mapping_names_columns_and_the_control_value(tmp_path):
    data = coupon_test().assign(coupon_group=lambda f: f["coupon_group"].map({0: "No Coupon", 1: "Coupon"}))
    exposures, outcomes = _split(data)
    exposures.rename(columns={"customer_id": "buyer", "coupon_group": "cell"}).to_csv(tmp_path / "exp.csv",
                                                                                     index=False)
    outcomes.rename(columns={"customer_id": "buyer", "transactions": "n_tx"}).to_csv(tmp_path / "out.csv",
                                                                                   index=False)
    (tmp_path / "map.yaml").write_text("exposures: {user_id: buyer, arm: cell, control: No Coupon}\n"
                                       "outcomes: {user_id: buyer, transactions: n_tx}\n", encoding="utf-8")
    files = read_test_files(exposures=tmp_path / "exp.csv", outcomes=tmp_path / "out.csv",
                            mapping=tmp_path / "map.yaml")
    assert files.options == {"user_column": "buyer", "arm_column": "cell", "control": "No Coupon",
                             "metrics": ["transactions"]}
    ev = evaluate_test(exposures=files.exposures, outcomes=files.outcomes, **files.options)
    assert ev.control_arm == "No Coupon" and ev.metrics == ["transactions"]
    with pytest.raises(DataError, match="no such column"):
        read_test_files(exposures=tmp_path / "exp.csv", mapping={"exposures": {"arm": "group"}})


@pytest.mark.parametrize("control", ["control", "Holdout", "No E-Mail", "no coupon", "对照组"])
def test_usual_control_names_are_recognised(control):
    data = coupon_test(400).assign(coupon_group=lambda f: f["coupon_group"].map({0: control, 1: "mail"}))
    assert evaluate_test(data).control_arm == control


def test_ratio_metrics_are_added_with_the_delta_method(hillstrom_raw, hillstrom_raw_eval):
    ev = hillstrom_raw_eval
    assert {"spend per visit", "spend per conversion"} <= set(ev.metrics)
    arms = ev.arms.set_index("arm")
    mens = hillstrom_raw[hillstrom_raw["segment"] == "Mens E-Mail"]
    assert arms.loc["Mens E-Mail", "spend per conversion"] == pytest.approx(
        mens["spend"].sum() / mens["conversion"].sum())
    assert ev.uplift_for("Mens E-Mail", "spend per conversion")["method"].startswith("delta method")


def test_tables_for_people_name_metrics_as_marketers_do():
    from campaigns.evaluation.verdict import metric_label
    ev = evaluate_test(coupon_test())
    assert any(c.endswith(" per customer") for c in ev.arms_display().columns), ev.arms_display().columns
    assert not any("_" in m for m in ev.uplift_display()["metric"]), ev.uplift_display()["metric"]
    assert metric_label("revenue_per_user", "continuous") == "revenue per customer"


def test_a_per_customer_metric_is_not_said_per_customer_twice():
    from campaigns.evaluation.verdict import verdict
    rows = pd.DataFrame([
        {"arm": "treatment", "baseline": "control", "metric": "converted", "kind": "binary", "uplift": 0.052,
         "ci_low": 0.002, "ci_high": 0.119, "significant": True},
        {"arm": "treatment", "baseline": "control", "metric": "revenue_per_user", "kind": "continuous",
         "uplift": 3.19, "ci_low": 0.5, "ci_high": 6.0, "significant": True}])
    en, zh = verdict(rows, control="control"), verdict(rows, control="control", language="zh")
    assert "revenue per customer +3.19, also significant" in en and "per customer +3.19 per customer" not in en
    assert "人均收入 +3.19，同样显著" in zh and "每位客户" not in zh
