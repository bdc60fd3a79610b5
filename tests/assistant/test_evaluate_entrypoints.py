"""Evaluation through the facade and `mkt evaluate` on files with their own arm names and a column mapping."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.cli import main
from assistant.core.data import load_hillstrom
from assistant.core.errors import ChoiceNeeded, NotReadyError


@pytest.fixture(scope="module")
def hillstrom_files(shared_data, tmp_path_factory):
    """Hillstrom as a shop would export it: exposures (customer, e-mail cell) and outcomes (customer, visit,
    conversion, spend) in two files with their own column names, plus a mapping."""
    folder = tmp_path_factory.mktemp("hillstrom_export")
    raw = pd.read_csv(shared_data / "hillstrom" / "hillstrom.csv.gz")
    raw.insert(0, "cust", [f"H{i:05d}" for i in range(len(raw))])
    raw[["cust", "segment", "history"]].rename(columns={"segment": "mail_cell"}).to_csv(
        folder / "sent.csv", index=False)
    raw[["cust", "visit", "conversion", "spend"]].to_csv(folder / "results.csv", index=False)
    (folder / "map.yaml").write_text("exposures: {user_id: cust, arm: mail_cell}\n"
                                     "outcomes: {user_id: cust, visited: visit, converted: conversion, revenue: spend}\n",
                                     encoding="utf-8")
    return folder


def test_cli_evaluates_an_export_with_mapping_and_named_control(hillstrom_files, workspace, capsys):
    f = hillstrom_files
    code = main(["evaluate", "--exposures", str(f / "sent.csv"), "--outcomes", str(f / "results.csv"),
                 "--mapping", str(f / "map.yaml"), "--control", "No E-Mail"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Mens E-Mail raised visited rate by 7.7 points (95% CI 7.0 to 8.3), clearly better than No E-Mail" in out
    assert "revenue +0.77 per customer, also significant" in out
    assert "'mail_cell'" in out and "vs No E-Mail" in out
    assert "CUPED" in out  # history, the pre-period spend, is recognised in the exposures


def test_cli_refuses_broken_inputs_with_exit_code_2(hillstrom_files, workspace, capsys, tmp_path):
    f = hillstrom_files
    assert main(["evaluate", "--exposures", str(f / "sent.csv")]) == 2
    assert "outcome" in capsys.readouterr().err
    other = pd.read_csv(f / "results.csv").assign(cust=lambda d: d["cust"].str[1:])  # H00001 -> 00001
    other.to_csv(tmp_path / "other_ids.csv", index=False)
    assert main(["evaluate", "--exposures", str(f / "sent.csv"), "--outcomes", str(tmp_path / "other_ids.csv"),
                 "--mapping", str(f / "map.yaml"), "--control", "No E-Mail"]) == 2
    err = capsys.readouterr().err
    assert "0.0%" in err and "--force" in err
    assert main(["evaluate", "--outcomes", str(f / "results.csv")]) == 2


def test_cli_asks_for_the_control_when_it_cannot_tell(workspace, capsys, tmp_path):
    pd.DataFrame({"user": range(40), "variant": ["blue", "green"] * 20, "orders": [0, 1, 2, 1] * 10}).to_csv(
        tmp_path / "ab.csv", index=False)
    assert main(["evaluate", "--table", str(tmp_path / "ab.csv")]) == 2
    assert "which arm is the control" in capsys.readouterr().err
    assert main(["evaluate", "--table", str(tmp_path / "ab.csv"), "--control", "blue", "--metric",
                 "orders:count", "--language", "zh"]) == 0
    assert "结论" in capsys.readouterr().out


def test_facade_keeps_the_uploaded_test_for_follow_up_questions(hillstrom_files, workspace, shared_data):
    assistant = MarketingAssistant(load_hillstrom(shared_data / "hillstrom"), workspace=workspace)
    assert not assistant.has_test
    layout = assistant.load_test(exposures=hillstrom_files / "sent.csv", outcomes=hillstrom_files / "results.csv",
                                 mapping=hillstrom_files / "map.yaml")
    assert layout.arm_column == "mail_cell" and layout.control == "No E-Mail" and layout.control_recognised
    assert dict(layout.metrics) == {"visited": "binary", "converted": "binary", "revenue": "continuous"}
    assert layout.covariate == "history"
    first = assistant.evaluate()  # "how did my test do?": no arguments, the kept upload
    assert assistant.last_evaluation is first and first.control_arm == "No E-Mail"
    again = assistant.evaluate(control="Womens E-Mail", metrics=["visited"])
    assert again.control_arm == "Womens E-Mail" and again.metrics == ["visited"]


def test_facade_dataset_campaign_uses_history_for_cuped(workspace, shared_data):
    assistant = MarketingAssistant(load_hillstrom(shared_data / "hillstrom"), workspace=workspace)
    evaluation = assistant.evaluate("hillstrom")
    row = evaluation.uplift_for("mens_email", "revenue_per_user")
    plain, cuped = row["ci_high"] - row["ci_low"], row["cuped_ci_high"] - row["cuped_ci_low"]
    assert cuped < plain and row["cuped_ci_reduction"] == pytest.approx(1 - cuped / plain, rel=1e-2)
    assert row["cuped_uplift"] == pytest.approx(row["uplift"], abs=0.05)  # same estimand, adjusted
    assert "CUPED" in evaluation.to_markdown()
    assert evaluation.arms.set_index("arm").loc["control", "participation_rate"] == pytest.approx(0.106, abs=5e-4)


def test_facade_asks_instead_of_guessing(workspace, shared_data):
    assistant = MarketingAssistant(load_hillstrom(shared_data / "hillstrom"), workspace=workspace)
    with pytest.raises(NotReadyError):
        assistant.describe_test()
    table = pd.DataFrame({"user_id": range(20), "cell": ["x", "y"] * 10, "orders": [0, 1] * 10})
    layout = assistant.load_test(table)
    assert layout.arm_column == "cell" and not layout.control_recognised and "x" in layout.control_options
    with pytest.raises(ChoiceNeeded) as info:
        assistant.evaluate()
    assert info.value.slot == "control"


def test_chat_answers_how_did_my_test_do_after_an_upload(hillstrom_files, workspace, shared_data):
    from assistant.chat.agent import ChatAgent
    assistant = MarketingAssistant(load_hillstrom(shared_data / "hillstrom"), workspace=workspace)
    assistant.load_test(exposures=hillstrom_files / "sent.csv", outcomes=hillstrom_files / "results.csv",
                        mapping=hillstrom_files / "map.yaml", control="No E-Mail")
    reply = list(ChatAgent(assistant).respond("how did my coupon test do?"))[-1]
    assert "No E-Mail" in reply.text and "7.7" in reply.text  # the uploaded test's verdict, not a question
