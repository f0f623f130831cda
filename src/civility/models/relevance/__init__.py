"""Fitting of the relevance calibration and the promotion-signal weights (the small JSON files the
pure moderation modules load). Run by `python -m civility.models.relevance.<module>`; no pickle."""
