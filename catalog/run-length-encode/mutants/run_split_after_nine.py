"""Run-length encoding of text without digits."""

DIGITS = "0123456789"


def rle_encode(text: str) -> str:
    """Encode runs: 'aaabcc' -> '3ab2c'."""
    for ch in text:
        if ch in DIGITS:
            raise ValueError("text must not contain digits")
    if not text:
        return ""
    parts = []
    current, run = text[0], 1
    for ch in text[1:]:
        if ch == current and run < 9:
            run += 1
        else:
            parts.append(_token(current, run))
            current, run = ch, 1
    parts.append(_token(current, run))
    return "".join(parts)


def _token(ch: str, run: int) -> str:
    return f"{run}{ch}" if run > 1 else ch
