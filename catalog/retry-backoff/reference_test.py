import pytest

from target import retry


class Script:
    """A fake operation: each call raises or returns the next scripted outcome."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self):
        outcome = self.outcomes[self.calls]
        self.calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class Sleeper:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleep():
    return Sleeper()


def test_a_first_success_is_returned_without_sleeping(sleep):
    operation = Script("ok")
    assert retry(operation, sleep=sleep) == "ok"
    assert operation.calls == 1
    assert sleep.delays == []


def test_a_none_result_counts_as_success(sleep):
    operation = Script(None, "unused")
    assert retry(operation, sleep=sleep) is None
    assert operation.calls == 1


def test_failures_are_retried_until_success(sleep):
    operation = Script(ConnectionError(), ConnectionError(), "ok")
    assert retry(operation, sleep=sleep, attempts=5, base_delay=1.0) == "ok"
    assert operation.calls == 3
    assert sleep.delays == [1.0, 2.0]


def test_delays_double_from_the_base_delay(sleep):
    operation = Script(*[OSError()] * 4, "ok")
    retry(operation, sleep=sleep, attempts=5, base_delay=0.5, max_delay=100.0)
    assert sleep.delays == [0.5, 1.0, 2.0, 4.0]


def test_delays_are_capped_at_max_delay(sleep):
    operation = Script(*[OSError()] * 5, "ok")
    retry(operation, sleep=sleep, attempts=6, base_delay=1.0, max_delay=3.0)
    assert sleep.delays == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_default_delays(sleep):
    operation = Script(OSError(), OSError(), "ok")
    retry(operation, sleep=sleep)
    assert sleep.delays == pytest.approx([0.1, 0.2])


def test_the_last_exception_propagates_when_all_attempts_fail(sleep):
    last = TimeoutError("third")
    operation = Script(TimeoutError("first"), TimeoutError("second"), last, "unused")
    with pytest.raises(TimeoutError) as raised:
        retry(operation, sleep=sleep, attempts=3, base_delay=1.0)
    assert raised.value is last
    assert operation.calls == 3


def test_there_is_no_sleep_after_the_last_attempt(sleep):
    operation = Script(OSError(), OSError(), OSError(), "unused")
    with pytest.raises(OSError):
        retry(operation, sleep=sleep, attempts=3, base_delay=1.0)
    assert sleep.delays == [1.0, 2.0]


def test_a_single_attempt_never_sleeps(sleep):
    operation = Script(OSError(), "unused")
    with pytest.raises(OSError):
        retry(operation, sleep=sleep, attempts=1)
    assert operation.calls == 1
    assert sleep.delays == []


def test_exceptions_outside_retry_on_propagate_immediately(sleep):
    operation = Script(KeyError("bug"), "unused")
    with pytest.raises(KeyError):
        retry(operation, sleep=sleep, attempts=3, retry_on=(ConnectionError,))
    assert operation.calls == 1
    assert sleep.delays == []


def test_subclasses_of_retry_on_are_retried(sleep):
    operation = Script(ConnectionResetError(), "ok")
    assert retry(operation, sleep=sleep, retry_on=(ConnectionError,)) == "ok"
    assert operation.calls == 2


def test_a_non_retryable_exception_after_retries_stops_at_once(sleep):
    operation = Script(ConnectionError(), ValueError("bad data"), "unused")
    with pytest.raises(ValueError):
        retry(operation, sleep=sleep, attempts=5, base_delay=1.0, retry_on=(ConnectionError,))
    assert operation.calls == 2
    assert sleep.delays == [1.0]


@pytest.mark.parametrize(
    "bad_arguments",
    [{"attempts": 0}, {"attempts": -1}, {"base_delay": -0.1}, {"max_delay": -1.0}],
)
def test_invalid_arguments_are_rejected_before_any_call(sleep, bad_arguments):
    operation = Script("ok")
    with pytest.raises(ValueError):
        retry(operation, sleep=sleep, **bad_arguments)
    assert operation.calls == 0
