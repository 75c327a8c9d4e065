"""Shortening text to a fixed width."""


def truncate(text: str, width: int, ellipsis: str = "\u2026") -> str:
    """Return `text` if it fits in `width`, else a shortened copy ending in `ellipsis`."""
    if width < len(ellipsis):
        raise ValueError(f"width {width} leaves no room for the ellipsis {ellipsis!r}")
    if len(text) <= width:
        return text
    keep = width - 1
    return text[:keep].rstrip() + ellipsis
