"""The appliance's one exception tree. Verdicts are data; only infrastructure and bad
requests raise. Each HTTP-facing error carries its status; api.py maps them in one place."""

from __future__ import annotations


class ArenaError(Exception):
    """Base of every error the appliance raises on purpose."""

    status_code = 500
    error_type = "internal_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigurationError(ArenaError):
    error_type = "configuration_error"


class Unauthorized(ArenaError):
    status_code = 401
    error_type = "unauthorized"


class Forbidden(ArenaError):
    status_code = 403
    error_type = "forbidden"


class NotFound(ArenaError):
    status_code = 404
    error_type = "not_found"


class Conflict(ArenaError):
    status_code = 409
    error_type = "conflict"


class PayloadTooLarge(ArenaError):
    status_code = 413
    error_type = "payload_too_large"


class Invalid(ArenaError):
    status_code = 422
    error_type = "validation_error"


class RetryLater(ArenaError):
    """Refused for now; the client should retry after `retry_after` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class RateLimited(RetryLater):
    status_code = 429
    error_type = "rate_limited"


class Overloaded(RetryLater):
    status_code = 503
    error_type = "overloaded"


class InfrastructureError(ArenaError):
    """The appliance, not the user, is at fault (Docker down, image missing, runner crash).
    Judging retries these; after the last try the submission is ERROR."""

    status_code = 503
    error_type = "infrastructure_error"
