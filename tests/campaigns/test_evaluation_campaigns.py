"""Evaluation on the real Hillstrom test and on hand-made counts, checked against pandas and statsmodels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats import proportion as smp  # not `import test_...`: pytest would collect it
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize

from assistant.core.data import DataError, load_hillstrom
from campaigns.evaluation import (
    CampaignEvaluation, evaluate_campaign, marketing_activity_evaluation, prob_beat_control,
)
from campaigns.power import achieved_power, minimum_detectable_effect, sample_size_per_arm


@pytest.fixture(scope="module")
def hillstrom(shared_data):
    return load_hillstrom(shared_data / "hillstrom")


@pytest.fixture(scope="module")
def hillstrom_eval(hillstrom):
    segments = hillstrom.users.set_index("user_id")["history_segment"]
    return evaluate_campaign(hillstrom.exposures, hillstrom.outcomes, segments=segments)


def _raw(hillstrom) -> pd.DataFrame:
    return hillstrom.exposures.merge(hillstrom.outcomes, on=["campaign_id", "user_id"])


def test_hillstrom_overall_means_match_published(hillstrom):
    raw = _raw(hillstrom)
    assert raw["visited"].mean() == pytest.approx(0.14678, abs=5e-6)
    assert raw["converted"].mean() == pytest.approx(0.00903, abs=5e-6)
    assert raw["revenue"].mean() == pytest.approx(1.05091, abs=5e-6)


def test_hillstrom_per_arm_rates_equal_pandas_groupby(hillstrom, hillstrom_eval):
    expected = _raw(hillstrom).groupby("arm").agg(n=("user_id", "size"), visit=("visited", "mean"),
                                                  conv=("converted", "mean"), spend=("revenue", "mean"))
    arms = hillstrom_eval.arms.set_index("arm")
    assert list(hillstrom_eval.arms["arm"]) == ["control", "mens_email", "womens_email"]
    for arm in expected.index:
        assert arms.loc[arm, "n"] == expected.loc[arm, "n"]
        assert arms.loc[arm, "participation_rate"] == pytest.approx(expected.loc[arm, "visit"], rel=1e-12)
        assert arms.loc[arm, "conversion_rate"] == pytest.approx(expected.loc[arm, "conv"], rel=1e-12)
        assert arms.loc[arm, "revenue_per_user"] == pytest.approx(expected.loc[arm, "spend"], rel=1e-12)
    # Published per-arm visit rates of the challenge: men's 18.3%, women's 15.1%, no e-mail 10.6%.
    assert arms.loc["mens_email", "participation_rate"] == pytest.approx(0.183, abs=5e-4)
    assert arms.loc["womens_email", "participation_rate"] == pytest.approx(0.151, abs=5e-4)
    assert arms.loc["control", "participation_rate"] == pytest.approx(0.106, abs=5e-4)


def test_ci_and_p_value_equal_statsmodels_on_same_counts(hillstrom_eval):
    arms = hillstrom_eval.arms.set_index("arm")
    for arm in ("mens_email", "womens_email"):
        for metric, count in (("participation", "participants"), ("conversion", "conversions")):
            counts = (arms.loc[arm, count], arms.loc[arm, "n"], arms.loc["control", count], arms.loc["control", "n"])
            row = hillstrom_eval.uplift_for(arm, metric)
            low, high = confint_proportions_2indep(*counts, method="score", compare="diff")
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)
            assert row["p_value"] == pytest.approx(smp.test_proportions_2indep(*counts, method="score").pvalue, rel=1e-9)
            r_low, r_high = confint_proportions_2indep(*counts, method="score", compare="ratio")
            assert (row["rel_ci_low"], row["rel_ci_high"]) == pytest.approx((r_low - 1, r_high - 1), rel=1e-9)
            assert row["ci_low"] <= row["uplift"] <= row["ci_high"]


def test_revenue_difference_is_welch(hillstrom, hillstrom_eval):
    raw = _raw(hillstrom)
    arm, ctl = raw.loc[raw["arm"] == "mens_email", "revenue"], raw.loc[raw["arm"] == "control", "revenue"]
    result = stats.ttest_ind(arm, ctl, equal_var=False)
    ci = result.confidence_interval(0.95)
    row = hillstrom_eval.uplift_for("mens_email", "revenue_per_user")
    assert row["uplift"] == pytest.approx(arm.mean() - ctl.mean())
    assert (row["ci_low"], row["ci_high"], row["p_value"]) == pytest.approx((ci.low, ci.high, result.pvalue))


def test_segment_breakdown_covers_every_segment(hillstrom, hillstrom_eval):
    segs = hillstrom_eval.segments
    assert set(segs["segment"]) == set(hillstrom.users["history_segment"])
    assert len(segs) == 7 * 2 * 4  # 7 segments x 2 e-mails x (participation, conversion, revenue, aov)
    total = segs[(segs["arm"] == "mens_email") & (segs["metric"] == "conversion")]["n_arm"].sum()
    assert total == hillstrom_eval.arms.set_index("arm").loc["mens_email", "n"]


def test_prob_beat_control_exact_matches_monte_carlo():
    rng = np.random.default_rng(0)
    for xa, na, xc, nc in ((30, 1000, 20, 1000), (5, 50, 9, 60), (0, 10, 0, 10)):
        draws = (rng.beta(1 + xa, 1 + na - xa, 400_000) > rng.beta(1 + xc, 1 + nc - xc, 400_000)).mean()
        assert prob_beat_control(xa, na, xc, nc) == pytest.approx(draws, abs=4e-3)


def _toy(arm_counts: dict[str, tuple[int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    exp, out = [], []
    for arm, (n, k) in arm_counts.items():
        for i in range(n):
            uid = f"{arm}-{i}"
            exp.append({"campaign_id": "c1", "user_id": uid, "arm": arm})
            out.append({"campaign_id": "c1", "user_id": uid, "visited": i < 2 * k, "converted": i < k,
                        "revenue": 10.0 if i < k else 0.0})
    return pd.DataFrame(exp), pd.DataFrame(out)


def test_renderings_show_observational_flag():
    exp, out = _toy({"control": (200, 10), "treatment": (200, 25)})
    ev = evaluate_campaign(exp, out, observational=True)
    assert isinstance(ev, CampaignEvaluation)
    assert "OBSERVATIONAL" in ev.to_markdown() and "OBSERVATIONAL" in ev._repr_html_()
    plain = evaluate_campaign(exp, out)
    assert "OBSERVATIONAL" not in plain.to_markdown()


def test_missing_outcomes_count_as_no_conversion_and_brief_summary():
    exp, out = _toy({"control": (100, 10), "treatment": (100, 20)})
    out = out[~out["user_id"].isin(["treatment-0", "treatment-1"])]  # two converters lost their outcome rows
    summary = marketing_activity_evaluation(exp, out)
    assert list(summary.columns) == ["arm", "participation_rate", "conversion_rate"]
    assert summary.set_index("arm").loc["treatment", "conversion_rate"] == pytest.approx(0.18)


def test_clear_errors():
    exp, out = _toy({"control": (10, 1), "treatment": (10, 2)})
    with pytest.raises(DataError, match="control"):
        evaluate_campaign(exp, out, control_arm="holdout")
    with pytest.raises(DataError, match="participation"):
        evaluate_campaign(exp, out, participation="bought")
    with pytest.raises(DataError, match="campaign_id"):
        evaluate_campaign(pd.concat([exp, exp.assign(campaign_id="c2")]), out)


def test_repeated_exposure_rows_count_once_and_users_in_two_arms_are_excluded_with_a_warning():
    exp, out = _toy({"control": (100, 10), "treatment": (100, 20)})
    again = evaluate_campaign(pd.concat([exp, exp.head(3)]), out)
    assert again.arms.set_index("arm").loc["control", "n"] == 100 and not again.warnings
    both = pd.concat([exp, exp.head(3).assign(arm="treatment")])
    ev = evaluate_campaign(both, out)
    assert ev.arms.set_index("arm").loc["control", "n"] == 97
    assert ev.warnings and "more than one arm" in ev.warnings[0]
    assert "出现在多个分组里" in ev.all_warnings("zh")[0] and "more than one arm" not in ev.to_markdown("zh")
    assert ev.to_markdown().index("more than one arm") < ev.to_markdown().index("Verdict")


def test_power_matches_statsmodels():
    n = sample_size_per_arm(0.10, 0.01)
    direct = NormalIndPower().solve_power(effect_size=abs(proportion_effectsize(0.11, 0.10)), alpha=0.05, power=0.8)
    assert n == int(np.ceil(direct))
    assert sample_size_per_arm(0.10, 0.10, relative=True) == n
    assert achieved_power(0.10, 0.11, n) == pytest.approx(0.8, abs=1e-3)
    assert achieved_power(0.10, 0.11, n // 4) < 0.4
    assert minimum_detectable_effect(0.10, n) == pytest.approx(0.01, rel=1e-3)
    with pytest.raises(ValueError):
        sample_size_per_arm(0.0, 0.01)


def test_complete_journey_observational(shared_data):
    from assistant.core.data import load_complete_journey
    from campaigns.evaluation import complete_journey_campaign_outcomes, evaluate_observational

    data = load_complete_journey(shared_data / "completejourney")
    obs = complete_journey_campaign_outcomes(data, "18")
    arms = obs.exposures["arm"].value_counts()
    assert set(arms.index) == {"treatment", "control"} and arms["control"] > 100
    assert not obs.outcomes.loc[obs.exposures["arm"] == "control", "redeemed"].any()
    receivers = set(data.exposures.loc[data.exposures["campaign_id"] == "18", "user_id"])
    assert not receivers & set(obs.exposures.loc[obs.exposures["arm"] == "control", "user_id"])
    ev = evaluate_observational(obs)
    assert ev.observational and ev.participation == "redeemed"
    assert "OBSERVATIONAL" in ev.to_markdown()
    treated = ev.arms.set_index("arm").loc["treatment"]
    assert 0 < treated["participation_rate"] < 1 and 0 < treated["conversion_rate"] <= 1
    # redemption is impossible in the comparison group: shown per arm, never tested as an "uplift"
    assert "participation" not in set(ev.uplift["metric"])
    rel = ev.uplift.dropna(subset=["rel_ci_low"])
    assert ((rel["rel_ci_low"] <= rel["rel_uplift"]) & (rel["rel_uplift"] <= rel["rel_ci_high"])).all()
    assert ev.verdict().startswith("Observational comparison")
    zh = ev.to_markdown("zh")   # a Chinese reader gets the matching notes in Chinese too
    assert "对象：" in zh and "Population" not in zh and "Matched on" not in zh, zh


def test_outcome_columns_the_file_did_not_have_are_left_out(tmp_path):
    from assistant.core.data import load_files
    exp, out = _toy({"control": (100, 10), "treatment": (100, 20)})
    exp.to_csv(tmp_path / "exp.csv", index=False)
    out.drop(columns=["visited"]).to_csv(tmp_path / "out.csv", index=False)  # no visit column in the export
    data = load_files(exposures=tmp_path / "exp.csv", outcomes=tmp_path / "out.csv")
    ev = evaluate_campaign(data.exposures, data.outcomes)
    assert "participation" not in set(ev.uplift["metric"]) and "conversion" in set(ev.uplift["metric"])
    assert "participation_rate" not in ev.arms.columns
