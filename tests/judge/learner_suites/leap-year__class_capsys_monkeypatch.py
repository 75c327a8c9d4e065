import time

import pytest
import target


@pytest.fixture
def frozen_clock(monkeypatch):
    """The answer must not depend on today's date."""
    monkeypatch.setattr(time, "time", lambda: 0.0)
    monkeypatch.setattr(
        time, "localtime", lambda *args: time.struct_time((1970, 1, 1, 0, 0, 0, 3, 1, 0))
    )
    monkeypatch.setenv("TZ", "UTC")
    return 1970


@pytest.fixture
def leap_years_of_the_1990s():
    return [1992, 1996]


class TestCommonRule:
    def test_divisible_by_four(self, leap_years_of_the_1990s):
        for year in leap_years_of_the_1990s:
            assert target.is_leap_year(year)

    def test_not_divisible_by_four(self):
        for year in (1993, 1994, 1995, 1997):
            assert not target.is_leap_year(year)


class TestCenturies:
    def test_century_not_divisible_by_400(self):
        assert not target.is_leap_year(1800)

    def test_century_divisible_by_400(self, frozen_clock):
        assert frozen_clock == 1970
        assert target.is_leap_year(2000)


class TestReport:
    def test_prints_a_small_table(self, capsys):
        for year in (1999, 2000, 2001):
            print(year, "leap" if target.is_leap_year(year) else "common")
        out = capsys.readouterr().out
        assert out.splitlines() == ["1999 common", "2000 leap", "2001 common"]

    @pytest.mark.skip(reason="the contract says nothing about years after 9999")
    def test_far_future(self):
        assert target.is_leap_year(10000)
