"""Metrics (F1, Cohen's kappa, Krippendorff's alpha) and document-wise cross-validation."""
