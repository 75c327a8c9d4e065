"""Locally hosted models (issue 11): endpoints with immutable versions, and problem sets."""
