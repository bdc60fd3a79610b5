"""Campaign evaluation on the marketer's own export: any arms, any outcome types, data checks before numbers.

    evaluate_test(table)                                  # one table: arm column + outcome columns
    evaluate_test(exposures=exp, outcomes=out, control="No E-Mail", metrics={"orders": "count"})
    evaluate_campaign(dataset.exposures, dataset.outcomes)  # canonical tables of a loaded Dataset

Modules: shapes (recognise columns, arms, control, metric types), prepare (one row per unit + checks),
checks (sample ratio, id match, multi-arm users), stats (two-arm tests per metric type, CUPED, always-valid
intervals), compare (pairs, Holm, omnibus), verdict (plain-language EN/ZH), result (`CampaignEvaluation`),
observational (Complete Journey receivers vs matched non-receivers).
"""
from campaigns.evaluation.compare import UPLIFT_COLUMNS
from campaigns.evaluation.evaluate import (
    CONVERSION_CHOICES, PARTICIPATION_CHOICES, evaluate_campaign, evaluate_prepared, evaluate_test,
    marketing_activity_evaluation,
)
from campaigns.evaluation.observational import (
    ObservationalCampaign, complete_journey_campaign_outcomes, evaluate_observational,
)
from campaigns.evaluation.prepare import PreparedTest, prepare_test
from campaigns.evaluation.result import OBSERVATIONAL_NOTE, CampaignEvaluation
from campaigns.evaluation.shapes import NO_CONTROL, Metric
from campaigns.evaluation.stats import mean_difference, prob_beat_control, proportion_uplift, ratio_difference

__all__ = ["CONVERSION_CHOICES", "CampaignEvaluation", "Metric", "NO_CONTROL", "OBSERVATIONAL_NOTE",
           "ObservationalCampaign", "PARTICIPATION_CHOICES", "PreparedTest", "UPLIFT_COLUMNS",
           "complete_journey_campaign_outcomes", "evaluate_campaign", "evaluate_observational", "evaluate_prepared",
           "evaluate_test", "marketing_activity_evaluation", "mean_difference",
           "prepare_test", "prob_beat_control", "proportion_uplift", "ratio_difference"]
