import pytest

from target import parse_csv_line


def test_plain_fields_are_split_on_commas():
    assert parse_csv_line("a,b,c") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [("", [""]), (",", ["", ""]), ("a,", ["a", ""]), (",a", ["", "a"]), ("a,,c,", ["a", "", "c", ""])],
)
def test_n_delimiters_always_give_n_plus_one_fields(line, expected):
    assert parse_csv_line(line) == expected


def test_unquoted_fields_keep_their_spaces():
    assert parse_csv_line(" a , b ") == [" a ", " b "]


@pytest.mark.parametrize(
    ("line", "expected"),
    [('a"b,c', ['a"b', "c"]), (' "a",b', [' "a"', "b"]), ('x,5"', ["x", '5"'])],
)
def test_a_quote_inside_an_unquoted_field_is_literal(line, expected):
    assert parse_csv_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"Smith, John",42', ["Smith, John", "42"]),
        ('"a","b"', ["a", "b"]),
        ('"line1\nline2",x', ["line1\nline2", "x"]),
        ('" padded "', [" padded "]),
    ],
)
def test_quoted_fields_may_contain_delimiters_line_breaks_and_spaces(line, expected):
    assert parse_csv_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [('"say ""hi""",x', ['say "hi"', "x"]), ('""""', ['"']), ('"a""",b', ['a"', "b"])],
)
def test_doubled_quotes_inside_quoted_fields_stand_for_one_quote(line, expected):
    assert parse_csv_line(line) == expected


@pytest.mark.parametrize(("line", "expected"), [('""', [""]), ('"",""', ["", ""]), ('a,""', ["a", ""])])
def test_empty_quoted_fields(line, expected):
    assert parse_csv_line(line) == expected


def test_a_quoted_field_may_be_followed_by_a_trailing_empty_field():
    assert parse_csv_line('"a",') == ["a", ""]


@pytest.mark.parametrize(
    ("line", "delimiter", "expected"),
    [
        ("a;b,c", ";", ["a", "b,c"]),
        ('"x;y";z', ";", ["x;y", "z"]),
        ("1\t2\t", "\t", ["1", "2", ""]),
    ],
)
def test_a_custom_delimiter_replaces_the_comma(line, delimiter, expected):
    assert parse_csv_line(line, delimiter) == expected


@pytest.mark.parametrize("line", ['"abc', 'a,"b', '"a""', '"'])
def test_an_unterminated_quoted_field_is_rejected(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("line", ['"a"b,c', '"a" ,b', 'x,"a"b'])
def test_text_after_a_closing_quote_is_rejected(line):
    with pytest.raises(ValueError):
        parse_csv_line(line)


@pytest.mark.parametrize("delimiter", ["", ";;", '"'])
def test_invalid_delimiters_are_rejected(delimiter):
    with pytest.raises(ValueError):
        parse_csv_line("a,b", delimiter)
