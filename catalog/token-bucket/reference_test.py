import pytest

from target import TokenBucket


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def test_a_new_bucket_is_full(clock):
    bucket = TokenBucket(capacity=3, refill_rate=1.0, clock=clock)
    assert bucket.available() == 3


def test_a_full_burst_is_allowed_then_refused(clock):
    bucket = TokenBucket(capacity=3, refill_rate=1.0, clock=clock)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_a_request_for_exactly_the_remaining_tokens_succeeds(clock):
    bucket = TokenBucket(capacity=5, refill_rate=1.0, clock=clock)
    assert bucket.try_acquire(5) is True
    assert bucket.available() == 0


def test_a_refused_request_takes_nothing(clock):
    bucket = TokenBucket(capacity=5, refill_rate=1.0, clock=clock)
    bucket.try_acquire(4)
    assert bucket.try_acquire(2) is False
    assert bucket.available() == 1
    assert bucket.try_acquire(1) is True


def test_tokens_refill_in_proportion_to_elapsed_time(clock):
    bucket = TokenBucket(capacity=10, refill_rate=2.0, clock=clock)
    bucket.try_acquire(10)
    clock.now += 1.25
    assert bucket.available() == 2.5


def test_the_bucket_never_holds_more_than_its_capacity(clock):
    bucket = TokenBucket(capacity=3, refill_rate=1.0, clock=clock)
    bucket.try_acquire(1)
    clock.now += 1000
    assert bucket.available() == 3
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_each_second_is_counted_only_once(clock):
    bucket = TokenBucket(capacity=10, refill_rate=1.0, clock=clock)
    bucket.try_acquire(10)
    for _ in range(3):
        clock.now += 1
        assert bucket.try_acquire() is True
    assert bucket.available() == 0
    clock.now += 1
    assert bucket.available() == 1


def test_available_does_not_consume(clock):
    bucket = TokenBucket(capacity=2, refill_rate=1.0, clock=clock)
    assert bucket.available() == 2
    assert bucket.available() == 2
    assert bucket.try_acquire(2) is True


def test_a_zero_refill_rate_never_refills(clock):
    bucket = TokenBucket(capacity=1, refill_rate=0, clock=clock)
    assert bucket.try_acquire() is True
    clock.now += 1e6
    assert bucket.try_acquire() is False


def test_a_clock_going_backwards_neither_adds_nor_removes_tokens(clock):
    bucket = TokenBucket(capacity=10, refill_rate=1.0, clock=clock)
    bucket.try_acquire(6)
    clock.now -= 5
    assert bucket.available() == 4
    clock.now += 7  # 2 seconds past the latest reading
    assert bucket.available() == 6


@pytest.mark.parametrize("tokens", [0, -1, 3.5])
def test_requests_that_can_never_succeed_are_rejected(clock, tokens):
    bucket = TokenBucket(capacity=3, refill_rate=1.0, clock=clock)
    with pytest.raises(ValueError):
        bucket.try_acquire(tokens)


@pytest.mark.parametrize(("capacity", "rate"), [(0, 1.0), (-1, 1.0), (5, -0.5)])
def test_invalid_configuration_is_rejected(clock, capacity, rate):
    with pytest.raises(ValueError):
        TokenBucket(capacity=capacity, refill_rate=rate, clock=clock)
