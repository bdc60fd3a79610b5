"""BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005b) by maximum likelihood.

Why hand-written rather than `pymc-marketing`: both models have closed-form likelihoods, so a scipy L-BFGS fit
of four (three) parameters takes well under a second on thousands of customers, while pymc-marketing pulls ~30
packages (pymc, pytensor, arviz, numba) and compiles C on first use (measured: see README, "Predictive
marketing"); its default fit is also a point estimate (MAP) of these same likelihoods. `lifetimes` implements the
same formulas but is unmaintained since 2020. The formulas below follow the papers' notation.

Inputs per customer (days): x = repeat orders, t_x = recency (first to last order), T = age (first order to the
end of the observation), m = mean repeat-order value.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted


def _arrays(*columns) -> list[np.ndarray]:
    return [np.asarray(c, dtype="float64") for c in columns]


class BetaGeoModel(BaseEstimator):
    """BG/NBD: while active a customer buys at a Poisson rate λ ~ Gamma(r, α); after each order they drop out
    with probability p ~ Beta(a, b). Learned: `params_` = {r, alpha, a, b}.

    penalizer: L2 penalty on the log-parameters (0 = plain MLE); keeps a, b finite on small samples.
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _log_likelihood(log_params: np.ndarray, x, t_x, T) -> np.ndarray:
        r, alpha, a, b = np.exp(log_params)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = special.betaln(a, b + x) - special.betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
                          -np.inf)
        return a1 + a2 + np.logaddexp(a3, a4)

    def fit(self, frequency, recency, T) -> "BetaGeoModel":
        x, t_x, T = _arrays(frequency, recency, T)
        scale = max(float(np.mean(T)), 1.0)

        def loss(log_params):
            value = -np.mean(self._log_likelihood(log_params, x, t_x, T))
            return value + self.penalizer * float(np.sum(log_params[[0, 2, 3]] ** 2))

        start = np.log([1.0, scale / 10, 1.0, 3.0])
        result = optimize.minimize(loss, start, method="L-BFGS-B", bounds=[(-9, 9)] * 4)
        r, alpha, a, b = np.exp(result.x)
        self.params_ = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        self.converged_ = bool(result.success)
        self.log_likelihood_ = float(-result.fun * len(x))
        return self

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """P(the customer is still active at the end of the observation)."""
        check_is_fitted(self, "params_")
        x, t_x, T = _arrays(frequency, recency, T)
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        log_ratio = np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)

    def expected_orders(self, t: float, frequency, recency, T) -> np.ndarray:
        """E[orders in the next t days | history] (FHL 2005, eq. 10)."""
        check_is_fitted(self, "params_")
        x, t_x, T = _arrays(frequency, recency, T)
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        if a <= 1:  # the closed form needs a > 1; with a <= 1 drop-out is near-certain: treat a as 1 + ε
            a = 1.0 + 1e-6
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
        return head * tail * self.p_alive(x, t_x, T)

    def p_no_order(self, t: float, frequency, recency, T) -> np.ndarray:
        """P(no order in the next t days): inactive, or active with no Poisson event (drop-out during the window
        ignored, so this slightly understates the chance of no order)."""
        x, t_x, T = _arrays(frequency, recency, T)
        r, alpha = self.params_["r"], self.params_["alpha"]
        alive = self.p_alive(x, t_x, T)
        return (1 - alive) + alive * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))

    def expected_wait_days(self, frequency, T) -> np.ndarray:
        """Expected days to the next order if active: 1 / E[λ | history] = (α + T) / (r + x)."""
        x, T = _arrays(frequency, T)
        return (self.params_["alpha"] + T) / (self.params_["r"] + x)


class GammaGammaModel(BaseEstimator):
    """Gamma-Gamma: a customer's order values vary around their own mean, which varies across customers.
    Fitted on customers with at least one repeat order. Learned: `params_` = {p, q, v}."""

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, monetary) -> "GammaGammaModel":
        x, m = _arrays(frequency, monetary)
        keep = (x > 0) & (m > 0)
        x, m = x[keep], m[keep]
        if len(x) < 10:
            raise ValueError("Gamma-Gamma needs at least 10 customers with a repeat order and a positive value")

        def loss(log_params):
            p, q, v = np.exp(log_params)
            ll = (special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v)
                  + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))
            return -np.mean(ll) + self.penalizer * float(np.sum(log_params ** 2))

        start = np.log([1.0, 3.0, max(float(np.mean(m)), 1.0)])
        result = optimize.minimize(loss, start, method="L-BFGS-B", bounds=[(-9, 12)] * 3)
        p, q, v = np.exp(result.x)
        self.params_ = {"p": float(p), "q": float(q), "v": float(v)}
        self.converged_ = bool(result.success)
        return self

    @property
    def population_mean_(self) -> float:
        p, q, v = (self.params_[k] for k in ("p", "q", "v"))
        return p * v / (q - 1) if q > 1 else float("nan")

    def expected_order_value(self, frequency, monetary) -> np.ndarray:
        """E[order value | history]: shrinks the customer's own mean towards the population mean."""
        check_is_fitted(self, "params_")
        x, m = _arrays(frequency, monetary)
        p, q, v = (self.params_[k] for k in ("p", "q", "v"))
        own = p * (v + x * m) / (p * x + q - 1)
        return np.where(x > 0, own, self.population_mean_)
