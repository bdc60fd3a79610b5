"""What the assistant recognises in an uploaded test before evaluating it: the candidates for the arm column,
the arms and the control, the outcome columns and their types, a pre-period covariate. The UI fills its
dropdowns from it and the chat asks from it; nothing here raises for an ambiguous choice, it reports it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assistant.core.errors import ChoiceNeeded, DataError
from assistant.core.text import markdown_literal
from campaigns.evaluation.prepare import order_arms
from campaigns.evaluation.shapes import (
    CAMPAIGN_COLUMN_NAMES, NO_CONTROL, UNIT_COLUMN_NAMES, arm_labels, choose_metrics, find_arm_column, find_column,
    find_control, find_covariate,
)


@dataclass(frozen=True)
class TestLayout:
    """Candidates and recognised choices of one uploaded test (None = not recognised, ask the user)."""

    columns: tuple[str, ...]
    arm_column: str | None
    arm_column_options: tuple[str, ...]
    arms: tuple[str, ...]
    control: str | None
    control_options: tuple[str, ...]
    control_recognised: bool
    metrics: tuple[tuple[str, str], ...]      # (name, kind)
    metric_options: tuple[str, ...]
    covariate: str | None
    user_column: str | None

    def to_markdown(self) -> str:
        """What was recognised, in Markdown; column and arm names come from the file and are encoded once."""
        md = markdown_literal
        arms = ", ".join(md(a) for a in self.arms) or "?"
        control = md(self.control) if self.control_recognised and self.control else (
            "none (all pairs)" if self.control_recognised else "? (please choose)")
        metrics = ", ".join(f"{md(m)} ({k})" for m, k in self.metrics) or "? (please choose)"
        arm_column = md(self.arm_column) if self.arm_column else "? (please choose)"
        return (f"Arm column: **{arm_column}** — arms: {arms}; control: **{control}**; "
                f"outcomes: {metrics}" + (f"; pre-period covariate for CUPED: {md(self.covariate)}"
                                          if self.covariate else ""))


def describe_test(exposures: pd.DataFrame, outcomes: pd.DataFrame | None = None, *, arm_column: str | None = None,
                  control: str | None = None, user_column: str | None = None, metrics=None) -> TestLayout:
    """Recognise what can be recognised; list the options for the rest."""
    user = find_column(exposures.columns, (user_column,)) if user_column else find_column(exposures.columns,
                                                                                        UNIT_COLUMN_NAMES)
    campaign = find_column(exposures.columns, CAMPAIGN_COLUMN_NAMES)
    skip = {c for c in (user, campaign) if c}
    candidates = tuple(c for c in exposures.columns if c not in skip and 1 < exposures[c].nunique(dropna=True) <= 20)
    try:
        arm_col = find_arm_column(exposures, arm_column, exclude=skip)
    except ChoiceNeeded:
        arm_col = None
    arms: tuple[str, ...] = ()
    chosen_control, recognised = None, False
    if arm_col is not None:
        arms = tuple(order_arms(arm_labels(exposures[arm_col]).dropna().unique().tolist(), None))
        try:
            chosen_control, recognised = find_control(list(arms), control), True
        except ChoiceNeeded:
            chosen_control, recognised = None, False
        if chosen_control is not None:
            arms = tuple(order_arms(list(arms), chosen_control))
    source = exposures if outcomes is None else outcomes
    source_skip = (skip | {arm_col}) if outcomes is None else {c for c in (
        find_column(outcomes.columns, UNIT_COLUMN_NAMES), find_column(outcomes.columns, CAMPAIGN_COLUMN_NAMES))
        if c}
    covariate = find_covariate(exposures, "auto", exclude=skip | {arm_col})
    try:
        found = choose_metrics(source, metrics, exclude=source_skip | ({covariate} if covariate else set()))
    except DataError:
        found = []
    options = tuple(c for c in source.columns if c not in source_skip and c != covariate)
    return TestLayout(columns=tuple(map(str, exposures.columns)), arm_column=arm_col,
                      arm_column_options=candidates, arms=arms, control=chosen_control,
                      control_options=(*arms, NO_CONTROL) if arms else (), control_recognised=recognised,
                      metrics=tuple((m.name, m.kind) for m in found), metric_options=options, covariate=covariate,
                      user_column=user)
