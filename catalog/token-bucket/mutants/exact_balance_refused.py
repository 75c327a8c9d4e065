"""A token bucket rate limiter that reads time from an injected clock."""

from collections.abc import Callable


class TokenBucket:
    """Holds up to `capacity` tokens and refills at `refill_rate` tokens per second."""

    def __init__(self, capacity: float, refill_rate: float, clock: Callable[[], float]) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        if refill_rate < 0:
            raise ValueError(f"refill rate must not be negative, got {refill_rate}")
        self._capacity = capacity
        self._rate = refill_rate
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def try_acquire(self, tokens: float = 1) -> bool:
        """Take `tokens` if that many are available; a refusal takes nothing."""
        if not 0 < tokens <= self._capacity:
            raise ValueError(f"can only acquire between 0 (exclusive) and {self._capacity} tokens, got {tokens}")
        self._refill()
        if self._tokens > tokens:
            self._tokens -= tokens
            return True
        return False

    def available(self) -> float:
        """Tokens in the bucket right now."""
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        if now > self._updated:
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
