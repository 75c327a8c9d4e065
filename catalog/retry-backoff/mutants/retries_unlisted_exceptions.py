"""Retrying a flaky operation with capped exponential backoff."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def retry(
    operation: Callable[[], T],
    *,
    sleep: Callable[[float], None],
    attempts: int = 3,
    base_delay: float = 0.1,
    max_delay: float = 2.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> T:
    """Call `operation` up to `attempts` times, sleeping between failed attempts."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if base_delay < 0 or max_delay < 0:
        raise ValueError("delays must not be negative")
    attempt = 1
    while True:
        try:
            return operation()
        except Exception:
            if attempt >= attempts:
                raise
        sleep(min(max_delay, base_delay * 2 ** (attempt - 1)))
        attempt += 1
