"""Campaigns: recommendations, strategy per segment, copy, evaluation with real statistics, the next-campaign loop.

    from campaigns import Recommender, plan_campaign, write_copy, evaluate_campaign, next_campaign_advice
"""
from __future__ import annotations

from campaigns.advice import Advice, next_campaign_advice
from campaigns.copywriting import CampaignCopy, write_copy
from campaigns.evaluation import CampaignEvaluation, evaluate_campaign, marketing_activity_evaluation
from campaigns.power import achieved_power, minimum_detectable_effect, sample_size_per_arm
from campaigns.rec_eval import ItemVectors, ranking_metrics, run_protocol, split_last_session
from campaigns.recommender import Recommender, UnknownItemError, UnknownSegmentError, UnknownUserError
from campaigns.strategy import CampaignPlan, Offer, plan_campaign
from campaigns.uplift import UpliftTLearner, qini_auc, qini_curve

__all__ = ["Advice", "CampaignCopy", "CampaignEvaluation", "CampaignPlan", "ItemVectors", "Offer", "Recommender",
           "UnknownItemError", "UnknownSegmentError", "UnknownUserError", "UpliftTLearner", "achieved_power",
           "evaluate_campaign", "marketing_activity_evaluation", "minimum_detectable_effect",
           "next_campaign_advice", "plan_campaign", "qini_auc", "qini_curve", "ranking_metrics", "run_protocol", "split_last_session",
           "sample_size_per_arm", "write_copy"]
