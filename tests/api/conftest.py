"""Fixtures for the API tests: the demo data with one randomised campaign added (so evaluation, advice, uplift
targeting and sample size all have a control group to work with), and a scripted fake LLM."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests.conftest import demo_copy

RANDOMISED_CAMPAIGN = "900"


def with_randomised_campaign(data, seed: int = 0):
    """`data` plus campaign 900: half of the customers got an e-mail, half are the control; frequent buyers
    respond to the e-mail (visits +25 points), others barely do — an uplift a model can find."""
    rng = np.random.default_rng(seed)
    users = np.sort(data.events["user_id"].unique())
    baskets = data.events.groupby("user_id")["basket_id"].nunique().reindex(users).fillna(0).to_numpy()
    heavy = baskets >= np.median(baskets)
    treated = rng.random(len(users)) < 0.5
    visit_p = 0.15 + 0.25 * (treated & heavy) + 0.02 * treated
    visited = rng.random(len(users)) < visit_p
    converted = visited & (rng.random(len(users)) < 0.4)
    exposures = pd.DataFrame({"campaign_id": RANDOMISED_CAMPAIGN, "user_id": users,
                              "arm": np.where(treated, "email", "control"), "sent_at": pd.NaT})
    outcomes = pd.DataFrame({"campaign_id": RANDOMISED_CAMPAIGN, "user_id": users, "opened": visited,
                             "clicked": visited, "visited": visited, "redeemed": converted, "converted": converted,
                             "revenue": np.where(converted, 20.0, 0.0)})
    exposures = pd.concat([data.exposures, exposures.astype({"sent_at": data.exposures["sent_at"].dtype})],
                          ignore_index=True)
    outcomes = pd.concat([data.outcomes, outcomes], ignore_index=True)
    return dataclasses.replace(data, exposures=exposures, outcomes=outcomes)


def demo_subset(n_users: int, seed: int = 0):
    """Household 1029 (the README's example) and the first demo households by id, `n_users` in all, with their
    events: a small, real dataset."""
    data = demo_copy()
    keep = {"1029", *np.sort(data.events["user_id"].unique())[:n_users - 1]}
    events = data.events[data.events["user_id"].isin(keep)]
    products = data.products[data.products["item_id"].isin(set(events["item_id"]))]
    return dataclasses.replace(data, name=f"demo-{n_users}", events=events, products=products,
                               users=data.users[data.users["user_id"].isin(keep)],
                               exposures=data.exposures[data.exposures["user_id"].isin(keep)],
                               outcomes=data.outcomes[data.outcomes["user_id"].isin(keep)])


@pytest.fixture(scope="session")
def campaign_data():
    """120 demo households (their ~2,900 products embed in minutes on a cold cache, seconds on a warm one)
    with campaign 900."""
    return with_randomised_campaign(demo_subset(120))


@pytest.fixture(scope="session")
def fake_llm_reply():
    from tests.assistant.test_facade import _reply
    return _reply
