"""Evaluation runs: models and baselines writing suites for a frozen problem set (issue 11)."""
