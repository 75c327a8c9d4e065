import target


def test_2024_is_leap():
    assert target.is_leap_year(2024)


def test_2023_is_not_leap():
    assert not target.is_leap_year(2023)


def test_1900_is_not_leap():
    assert target.is_leap_year(1900) is False
