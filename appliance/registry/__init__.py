"""The model registry (issue 11 item 6): aliases over model versions and the promotion policy."""
