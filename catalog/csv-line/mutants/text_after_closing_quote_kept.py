"""Splitting one CSV record (RFC 4180 quoting)."""

QUOTE = '"'


def parse_csv_line(line: str, delimiter: str = ",") -> list[str]:
    """Split `line` into fields; quoted fields may contain delimiters and doubled quotes."""
    if len(delimiter) != 1 or delimiter == QUOTE:
        raise ValueError(f"delimiter must be one character other than a quote, got {delimiter!r}")
    fields = []
    i = 0
    while True:
        if i < len(line) and line[i] == QUOTE:
            value, i = _quoted_field(line, i + 1)
            while i < len(line) and line[i] != delimiter:
                value += line[i]
                i += 1
        else:
            end = line.find(delimiter, i)
            if end == -1:
                end = len(line)
            value, i = line[i:end], end
        fields.append(value)
        if i >= len(line):
            return fields
        i += 1  # skip the delimiter


def _quoted_field(line: str, i: int) -> tuple[str, int]:
    """Read a quoted field whose opening quote is just before `i`; return it and the index after the closing quote."""
    chars = []
    while i < len(line):
        if line[i] == QUOTE:
            if line[i + 1 : i + 2] == QUOTE:
                chars.append(QUOTE)
                i += 2
                continue
            return "".join(chars), i + 1
        chars.append(line[i])
        i += 1
    raise ValueError("unterminated quoted field")
