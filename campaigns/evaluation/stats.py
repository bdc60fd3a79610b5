"""Two-arm comparisons for each metric type, each returning one uplift row (a dict).

Why statsmodels/scipy rather than hand-written formulas: the score interval and test for two proportions and
Welch's t interval are easy to get subtly wrong, so we call `confint_proportions_2indep` /
`test_proportions_2indep` (same method, so interval and p-value agree) and `scipy.stats.ttest_ind`. Hand-written
here, with the reason: the delta-method ratio (no library computes it from per-user sums), the log-ratio relative
interval (it always contains its estimate, unlike ci/control_mean), CUPED (a one-line regression adjustment) and
the always-valid interval (GrowthBook's normal-mixture confidence sequence, cross-checked in the tests).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

PROPORTION_METHOD = "score"  # the score interval inverts the score test: interval and p-value agree
FALLBACK_DIFF_METHOD, FALLBACK_RATIO_METHOD = "newcomb", "log-adjusted"
SEQUENTIAL_TUNING = 5000  # sample size at which the always-valid interval is tightest (GrowthBook's default)
BOOTSTRAP_RESAMPLES = 1999
KINDS = ("binary", "count", "continuous", "ratio")


def _empty_row(n_arm: int, n_base: int, base_value: float, arm_value: float) -> dict:
    return {"n_arm": n_arm, "n_control": n_base, "control_value": base_value, "arm_value": arm_value,
            "uplift": arm_value - base_value, "ci_low": np.nan, "ci_high": np.nan, "rel_uplift": np.nan,
            "rel_ci_low": np.nan, "rel_ci_high": np.nan, "p_value": np.nan, "prob_beat_control": np.nan,
            "method": "", "std_error": np.nan}


def log_ratio_interval(m_arm: float, var_arm_mean: float, m_base: float, var_base_mean: float,
                       alpha: float) -> tuple[float, float, float]:
    """Relative uplift m_arm/m_base - 1 with a delta-method interval on the log scale.

    The interval is exp(log ratio ± z·se) - 1, so it always contains its estimate (the bug of ci/control_mean
    was an interval that could exclude it)."""
    if m_arm <= 0 or m_base <= 0:
        return np.nan, np.nan, np.nan
    se = math.sqrt(var_arm_mean / m_arm ** 2 + var_base_mean / m_base ** 2)
    z = stats.norm.ppf(1 - alpha / 2)
    ratio = m_arm / m_base
    return ratio - 1, ratio * math.exp(-z * se) - 1, ratio * math.exp(z * se) - 1


# ------------------------------------------------------------------------------------------------ binary
def prob_beat_control(x_arm: int, n_arm: int, x_control: int, n_control: int) -> float:
    """P(p_arm > p_control) with independent Beta(1,1) priors, computed exactly (Evan Miller's closed form).

    Exact rather than Monte Carlo so the number is reproducible without a seed and accurate in the tails.
    """
    a_t, b_t = 1 + x_arm, 1 + n_arm - x_arm
    a_c, b_c = 1 + x_control, 1 + n_control - x_control
    i = np.arange(a_t)  # sum over i = 0 .. a_t - 1
    log_terms = (special.betaln(a_c + i, b_c + b_t) - np.log(b_t + i) - special.betaln(1 + i, b_t)
                 - special.betaln(a_c, b_c))
    return float(np.clip(np.exp(special.logsumexp(log_terms)), 0.0, 1.0))


def proportion_uplift(x_arm: int, n_arm: int, x_control: int, n_control: int, alpha: float = 0.05) -> dict:
    """Absolute and relative uplift of two proportions with statsmodels' score interval and test."""
    with warnings.catch_warnings():  # statsmodels divides by a zero control rate before we can skip the ratio
        warnings.simplefilter("ignore", RuntimeWarning)
        return _proportion_uplift(int(x_arm), int(n_arm), int(x_control), int(n_control), alpha)


def _proportion_uplift(x_arm: int, n_arm: int, x_control: int, n_control: int, alpha: float) -> dict:
    p_arm, p_ctl = x_arm / n_arm, x_control / n_control
    out = _empty_row(n_arm, n_control, p_ctl, p_arm)
    out.update(method="score test (two proportions)",
               prob_beat_control=prob_beat_control(x_arm, n_arm, x_control, n_control),
               std_error=math.sqrt(p_arm * (1 - p_arm) / n_arm + p_ctl * (1 - p_ctl) / n_control))
    if x_arm + x_control == 0 or x_arm + x_control == n_arm + n_control:
        out.update(p_value=1.0, ci_low=0.0, ci_high=0.0)  # no variation at all: nothing to test
        return out
    try:
        low, high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control, method=PROPORTION_METHOD,
                                               compare="diff", alpha=alpha)
    except ValueError:
        # statsmodels' score-interval root finder can fail to bracket (seen on Hillstrom's "$1,000 +" segment:
        # 94/428 vs 69/416); Newcombe's hybrid score interval is the closest well-behaved alternative.
        low, high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control, method=FALLBACK_DIFF_METHOD,
                                               compare="diff", alpha=alpha)
    test = test_proportions_2indep(x_arm, n_arm, x_control, n_control, method=PROPORTION_METHOD, compare="diff")
    out.update(ci_low=float(low), ci_high=float(high), p_value=float(test.pvalue))
    if x_control > 0 and x_arm > 0:
        ratio = p_arm / p_ctl
        try:
            r_low, r_high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control,
                                                       method=PROPORTION_METHOD, compare="ratio", alpha=alpha)
        except ValueError:
            r_low, r_high = np.nan, np.nan
        if not (r_low <= ratio <= r_high):  # never show an estimate outside its own interval
            r_low, r_high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control,
                                                       method=FALLBACK_RATIO_METHOD, compare="ratio", alpha=alpha)
        r_low, r_high = float(np.real(r_low)), float(np.real(r_high))
        if (r_low > 1 or r_high < 1) != (low > 0 or high < 0):
            # The ratio interval and the difference interval (the one the p-value inverts) disagree on whether
            # there is an effect: seen at a boundary control rate (21/21 vs 141/151: difference [-11.8, +9.1]
            # points, ratio "[-10.5 %, -2.6 %]" — the ratio methods take a 100 % control rate as certain). No
            # relative interval is better than one that contradicts the test.
            r_low = r_high = np.nan
        out.update(rel_uplift=ratio - 1, rel_ci_low=r_low - 1, rel_ci_high=r_high - 1)
    return out


# ------------------------------------------------------------------------------------------- means
def mean_difference(arm: np.ndarray, control: np.ndarray, alpha: float = 0.05, *, robust: str | None = None,
                    random_state: int = 0) -> dict:
    """Difference of means per user (count or continuous): Welch's t interval and p-value (scipy).

    robust="bootstrap": percentile bootstrap of the difference of means (seeded) for heavy-tailed revenue, where
    the t interval's normal approximation is poor; robust="trimmed": Yuen's test on 10 %-trimmed means
    (a different estimand: typical customers, not the total)."""
    arm, control = np.asarray(arm, float), np.asarray(control, float)
    m_arm, m_ctl = float(arm.mean()) if len(arm) else np.nan, float(control.mean()) if len(control) else np.nan
    out = _empty_row(len(arm), len(control), m_ctl, m_arm)
    out["method"] = "Welch t-test"
    if len(arm) < 2 or len(control) < 2:
        return out
    var_a, var_c = float(arm.var(ddof=1)) / len(arm), float(control.var(ddof=1)) / len(control)
    out["std_error"] = math.sqrt(var_a + var_c)
    if var_a == 0 and var_c == 0:
        out.update(ci_low=out["uplift"], ci_high=out["uplift"], p_value=1.0 if out["uplift"] == 0 else 0.0)
        return out
    if robust == "trimmed":
        result = stats.ttest_ind(arm, control, equal_var=False, trim=0.1)
        ci = result.confidence_interval(confidence_level=1 - alpha)
        t_arm, t_ctl = stats.trim_mean(arm, 0.1), stats.trim_mean(control, 0.1)
        out.update(method="Yuen t-test, 10% trimmed means", control_value=float(t_ctl), arm_value=float(t_arm),
                   uplift=float(t_arm - t_ctl), ci_low=float(ci.low), ci_high=float(ci.high),
                   p_value=float(result.pvalue))
        return out
    result = stats.ttest_ind(arm, control, equal_var=False)
    ci = result.confidence_interval(confidence_level=1 - alpha)
    out.update(ci_low=float(ci.low), ci_high=float(ci.high), p_value=float(result.pvalue))
    if robust == "bootstrap":
        boot = stats.bootstrap((arm, control), lambda a, c, axis: a.mean(axis=axis) - c.mean(axis=axis),
                               n_resamples=BOOTSTRAP_RESAMPLES, confidence_level=1 - alpha, method="percentile",
                               batch=50, vectorized=True, rng=np.random.default_rng(random_state))
        low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
        # p-value from the bootstrap distribution's two-sided tail around zero
        dist = boot.bootstrap_distribution
        tail = min((dist <= 0).mean(), (dist >= 0).mean())
        out.update(ci_low=low, ci_high=high, p_value=float(min(1.0, 2 * max(tail, 1 / (len(dist) + 1)))),
                   method=f"bootstrap ({BOOTSTRAP_RESAMPLES} resamples, percentile)")
    rel = log_ratio_interval(m_arm, var_a, m_ctl, var_c, alpha)
    out.update(rel_uplift=rel[0], rel_ci_low=rel[1], rel_ci_high=rel[2])
    return out


# ------------------------------------------------------------------------------------------- ratio
def _ratio_moments(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """Ratio of sums and its delta-method variance (users are the independent units, not the denominators)."""
    n = len(num)
    mu_x, mu_y = den.mean(), num.mean()
    var_x, var_y = den.var(ddof=1), num.var(ddof=1)
    cov = np.cov(num, den, ddof=1)[0, 1]
    ratio = mu_y / mu_x
    variance = (var_y / mu_x ** 2 - 2 * mu_y * cov / mu_x ** 3 + mu_y ** 2 * var_x / mu_x ** 4) / n
    return float(ratio), float(max(variance, 0.0))


def ratio_difference(num_arm, den_arm, num_ctl, den_ctl, alpha: float = 0.05) -> dict:
    """Difference of ratio metrics (revenue per visitor, average order value) with the delta method (z-test)."""
    num_arm, den_arm = np.asarray(num_arm, float), np.asarray(den_arm, float)
    num_ctl, den_ctl = np.asarray(num_ctl, float), np.asarray(den_ctl, float)
    if den_arm.sum() <= 0 or den_ctl.sum() <= 0 or len(num_arm) < 2 or len(num_ctl) < 2:
        r_a = num_arm.sum() / den_arm.sum() if den_arm.sum() > 0 else np.nan
        r_c = num_ctl.sum() / den_ctl.sum() if den_ctl.sum() > 0 else np.nan
        out = _empty_row(len(num_arm), len(num_ctl), r_c, r_a)
        out["method"] = "delta method (ratio of sums)"
        return out
    r_a, v_a = _ratio_moments(num_arm, den_arm)
    r_c, v_c = _ratio_moments(num_ctl, den_ctl)
    out = _empty_row(len(num_arm), len(num_ctl), r_c, r_a)
    out["method"] = "delta method (ratio of sums)"
    se = math.sqrt(v_a + v_c)
    out["std_error"] = se
    z = stats.norm.ppf(1 - alpha / 2)
    diff = r_a - r_c
    if se > 0:
        out.update(ci_low=diff - z * se, ci_high=diff + z * se, p_value=float(2 * stats.norm.sf(abs(diff) / se)))
    rel = log_ratio_interval(r_a, v_a, r_c, v_c, alpha)
    out.update(rel_uplift=rel[0], rel_ci_low=rel[1], rel_ci_high=rel[2])
    return out


# ------------------------------------------------------------------------------------------- CUPED
def cuped_theta(values: np.ndarray, covariate: np.ndarray) -> float:
    """θ = cov(Y, X) / var(X), pooled over all arms (Deng et al. 2013)."""
    var_x = np.var(covariate, ddof=1)
    return float(np.cov(values, covariate, ddof=1)[0, 1] / var_x) if var_x > 0 else 0.0


def cuped_difference(arm, control, cov_arm, cov_control, theta: float, mean_cov: float,
                     alpha: float = 0.05) -> dict:
    """Welch difference of CUPED-adjusted values Y - θ(X - mean X): same estimand, narrower interval."""
    adj_arm = np.asarray(arm, float) - theta * (np.asarray(cov_arm, float) - mean_cov)
    adj_ctl = np.asarray(control, float) - theta * (np.asarray(cov_control, float) - mean_cov)
    row = mean_difference(adj_arm, adj_ctl, alpha)
    return {"cuped_uplift": row["uplift"], "cuped_ci_low": row["ci_low"], "cuped_ci_high": row["ci_high"],
            "cuped_p_value": row["p_value"], "cuped_std_error": row["std_error"]}


# ------------------------------------------------------------------------------------- always-valid
def sequential_halfwidth(std_error: float, n_total: int, alpha: float = 0.05,
                         tuning: int = SEQUENTIAL_TUNING) -> float:
    """Half-width of the always-valid interval (Howard et al. 2021 normal mixture, as in GrowthBook).

    It stays valid however often the results are looked at while the campaign runs, at the price of a wider
    interval than the fixed-sample one."""
    if not np.isfinite(std_error) or n_total <= 0:
        return np.nan
    rho = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)
    n, s2 = n_total, std_error ** 2 * n_total
    return math.sqrt(s2) * math.sqrt((2 * (n * rho ** 2 + 1)) / (n ** 2 * rho ** 2)
                                     * math.log(math.sqrt(n * rho ** 2 + 1) / alpha))


def sequential_p_value(uplift: float, std_error: float, n_total: int, alpha: float = 0.05,
                       tuning: int = SEQUENTIAL_TUNING) -> float:
    """Always-valid p-value matching `sequential_halfwidth` (1 / the mixture e-value, capped at 1)."""
    if not np.isfinite(std_error) or std_error <= 0 or n_total <= 0:
        return np.nan
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning
    st2 = uplift ** 2 / std_error ** 2  # z^2
    tr2p1 = n_total * rho2 + 1
    # e-value = exp(rho^2 * N * z^2 / (2 (N rho^2 + 1))) / sqrt(N rho^2 + 1), with z^2 = estimate^2 / se^2
    log_e = n_total * rho2 * st2 / (2 * tr2p1) - 0.5 * math.log(tr2p1)
    return float(min(1.0, math.exp(-log_e)))
