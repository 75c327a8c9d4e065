import pytest

from target import mask_card_number


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4111111111111111", "************1111"),
        ("4111 1111 1111 1111", "**** **** **** 1111"),
        ("5500-0000-0000-0004", "****-****-****-0004"),
        ("3782 822463 10005", "**** ****** *0005"),
    ],
)
def test_all_but_the_last_four_digits_are_masked(number, expected):
    assert mask_card_number(number) == expected


def test_result_has_the_same_length_as_the_input():
    number = "6011 0009 9013 9424"
    assert len(mask_card_number(number)) == len(number)


def test_twelve_digits_is_the_shortest_accepted_number():
    assert mask_card_number("1234 5678 90 12") == "**** **** 90 12"


def test_nineteen_digits_is_the_longest_accepted_number():
    assert mask_card_number("1234567890123456789") == "***************6789"


@pytest.mark.parametrize("number", ["", "12345678901", "1234 5678 901", "12345678901234567890"])
def test_wrong_digit_counts_are_rejected(number):
    with pytest.raises(ValueError):
        mask_card_number(number)


@pytest.mark.parametrize("number", ["4111 1111 1111 111x", "4111.1111.1111.1111", "4111\t1111\t1111\t1111"])
def test_unexpected_characters_are_rejected(number):
    with pytest.raises(ValueError):
        mask_card_number(number)
