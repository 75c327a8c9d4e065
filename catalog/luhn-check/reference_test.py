import pytest

from target import luhn_valid


@pytest.mark.parametrize(
    "number",
    [
        "79927398713",  # odd length
        "4539319503436467",  # even length
        "4111111111111111",
        "378282246310005",
        "18",  # the doubled 1 is the only doubled digit
        "91",  # 9 doubled is 18, minus 9 gives 9: 9 + 1 = 10
    ],
)
def test_valid_numbers_pass(number):
    assert luhn_valid(number) is True


@pytest.mark.parametrize("number", ["79927398710", "4539319503436468", "4111111111111112", "19", "81"])
def test_a_wrong_check_digit_fails(number):
    assert luhn_valid(number) is False


def test_two_zeros_is_the_shortest_valid_number():
    assert luhn_valid("00") is True


@pytest.mark.parametrize("number", ["", "0", " 0 ", "   "])
def test_fewer_than_two_digits_is_invalid(number):
    assert luhn_valid(number) is False


def test_spaces_are_ignored_anywhere():
    assert luhn_valid("4539 3195 0343 6467") is True
    assert luhn_valid(" 7992 7398 713 ") is True


@pytest.mark.parametrize("number", ["4539-3195-0343-6467", "4539.3195.0343.6467", "7992739871a3", "7992739871\t3"])
def test_other_characters_make_a_number_invalid(number):
    assert luhn_valid(number) is False
