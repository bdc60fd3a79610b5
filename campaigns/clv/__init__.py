"""Customer lifetime value: purchase-count and spend models fitted on the order history, and their holdout check.

orders      one row per order (basket) from the purchase events          (`orders_table`)
btyd        BG/NBD (repeat orders, P(active)) + Gamma-Gamma (order value), closed-form maximum likelihood
boosting    gradient boosting over RFM windows: the machine-learning challenger
holdout     calibration / holdout split, baselines, MAE and ROC AUC per model (bench and `calibration_check`)
"""
