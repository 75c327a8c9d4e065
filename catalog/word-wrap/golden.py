"""Greedy word wrapping."""


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` characters (long words stay whole)."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    lines = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
