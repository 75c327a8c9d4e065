"""Letter grades."""

GRADE_FLOORS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))


def letter_grade(score: float) -> str:
    """Map a score from 0 to 100 to a letter from A to F."""
    if score > 100:
        raise ValueError(f"score must be between 0 and 100, got {score}")
    for floor, letter in GRADE_FLOORS:
        if score >= floor:
            return letter
    return "F"
