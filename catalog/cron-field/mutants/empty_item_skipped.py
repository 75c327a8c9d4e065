"""Expansion of one field of a cron schedule."""

DIGITS = "0123456789"


def parse_cron_field(field: str, low: int, high: int) -> list[int]:
    """Expand e.g. '*/15' or '1-5,10' into the sorted values it selects within low..high."""
    if low > high:
        raise ValueError(f"empty allowed range {low}..{high}")
    values: set[int] = set()
    for item in field.split(","):
        if not item:
            continue
        values.update(_expand_item(item, low, high))
    return sorted(values)


def _expand_item(item: str, low: int, high: int) -> range:
    base, slash, step_text = item.partition("/")
    step = _number(step_text) if slash else 1
    if step < 1:
        raise ValueError(f"step must be at least 1 in {item!r}")
    if base == "*":
        start, stop = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, stop = _number(first), _number(last)
        if start > stop:
            raise ValueError(f"range {item!r} runs backwards")
    else:
        start = _number(base)
        stop = high if slash else start
    for value in (start, stop):
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
    return range(start, stop + 1, step)


def _number(text: str) -> int:
    if not text or any(ch not in DIGITS for ch in text):
        raise ValueError(f"not a number: {text!r}")
    return int(text)
