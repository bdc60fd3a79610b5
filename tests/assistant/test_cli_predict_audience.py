"""`mkt predict` and `mkt audience` on the demo data: printed tables, the confirm-before-run flow, saving."""
from __future__ import annotations

from assistant.cli import main


def test_mkt_predict_prints_clv_and_churn(workspace, capsys):
    assert main(["predict", "--workspace", str(workspace), "--horizon", "60", "--top", "3",
                 "--out", str(workspace / "p.csv")]) == 0
    out = capsys.readouterr().out.replace("\\", "")  # table cells are Markdown-escaped
    assert "Next 60 days from 2018-01-02" in out and "expected_spend" in out and "churn_band" in out
    assert (workspace / "p.csv").read_text().startswith("user_id,")
    assert main(["predict", "--workspace", str(workspace), "--horizon", "60", "--check"]) == 0
    out = capsys.readouterr().out.replace("\\", "")
    assert "Holdout check" in out and "baseline: cohort mean" in out and "BG/NBD + Gamma-Gamma" in out


def test_mkt_audience_shows_first_then_saves(workspace, capsys):
    sentence = "high-value customers who have not bought in 60 days"
    assert main(["audience", sentence, "--workspace", str(workspace), "--no-llm"]) == 0
    out = capsys.readouterr().out
    assert "no order in the last 60 days" in out and "Run it with --run" in out and "customers (" not in out
    assert main(["audience", sentence, "--workspace", str(workspace), "--no-llm", "--save", "lapsed vips"]) == 0
    out = capsys.readouterr().out
    assert "Saved as 'lapsed vips'" in out and "customers (" in out
    assert main(["audience", "--list", "--workspace", str(workspace)]) == 0
    assert "lapsed vips" in capsys.readouterr().out


def test_mkt_audience_refuses_to_run_what_the_data_cannot_answer(workspace, capsys):
    code = main(["audience", "women who bought beer", "--workspace", str(workspace), "--no-llm", "--run"])
    captured = capsys.readouterr()
    assert code == 2 and "not run" in captured.err
    assert "gender" in captured.out
