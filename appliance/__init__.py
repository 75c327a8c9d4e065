"""QA Arena appliance: grades pytest suites by mutation testing in Docker sandboxes."""

__version__ = "0.1.0"
