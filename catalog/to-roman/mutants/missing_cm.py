"""Roman numerals."""

NUMERALS = (
    (1000, "M"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def to_roman(n: int) -> str:
    """Write 1 <= n <= 3999 in standard Roman numerals."""
    if not 1 <= n <= 3999:
        raise ValueError(f"only 1 to 3999 can be written, got {n}")
    parts = []
    for value, symbol in NUMERALS:
        while n >= value:
            parts.append(symbol)
            n -= value
    return "".join(parts)
