"""Sample size and power for a two-arm test of proportions (statsmodels NormalIndPower + Cohen's h).

Used by the advice step: when a result is inconclusive, how many users per arm would a next test need?
"""
from __future__ import annotations

import math

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def _check_rate(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be a rate strictly between 0 and 1, got {value}")


def _treated_rate(baseline_rate: float, mde: float, relative: bool) -> float:
    treated = baseline_rate * (1 + mde) if relative else baseline_rate + mde
    _check_rate("baseline rate + minimum detectable effect", treated)
    return treated


def sample_size_per_arm(baseline_rate: float, mde: float, *, relative: bool = False, alpha: float = 0.05,
                        power: float = 0.8, ratio: float = 1.0) -> int:
    """Users needed in the treatment arm (control gets `ratio` times as many) to detect `mde` two-sided.

    `mde` is absolute (0.01 = +1 percentage point) unless `relative=True` (0.10 = +10 % of the baseline).
    """
    _check_rate("baseline_rate", baseline_rate)
    if mde == 0:
        raise ValueError("the minimum detectable effect must be non-zero")
    treated = _treated_rate(baseline_rate, mde, relative)
    effect = abs(proportion_effectsize(treated, baseline_rate))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=ratio,
                                     alternative="two-sided")
    return int(math.ceil(float(n)))


def achieved_power(baseline_rate: float, treated_rate: float, n_treatment: int, n_control: int | None = None, *,
                   alpha: float = 0.05) -> float:
    """Power of a two-sided test with these arm sizes to detect the difference between the two rates."""
    _check_rate("baseline_rate", baseline_rate)
    _check_rate("treated_rate", treated_rate)
    n_control = n_treatment if n_control is None else n_control
    if n_treatment <= 0 or n_control <= 0:
        raise ValueError("arm sizes must be positive")
    effect = abs(proportion_effectsize(treated_rate, baseline_rate))
    return float(NormalIndPower().power(effect_size=effect, nobs1=n_treatment, alpha=alpha,
                                        ratio=n_control / n_treatment, alternative="two-sided"))


def minimum_detectable_effect(baseline_rate: float, n_per_arm: int, *, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """Smallest absolute lift (in rate units) detectable with `n_per_arm` users in each arm."""
    _check_rate("baseline_rate", baseline_rate)
    h = float(NormalIndPower().solve_power(effect_size=None, nobs1=n_per_arm, alpha=alpha, power=power, ratio=1.0,
                                           alternative="two-sided"))
    # Invert Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)) for p1 above the baseline.
    angle = min(math.pi / 2, 2 * math.asin(math.sqrt(baseline_rate)) / 2 + h / 2)
    return math.sin(angle) ** 2 - baseline_rate
