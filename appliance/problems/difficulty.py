"""The smallest killing suite (DESIGN.md section 4.5): the fewest reference tests that
together still kill every mutant, from the kill matrix. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping


def smallest_killing_suite(kills: Mapping[str, Collection[str]]) -> tuple[str, ...]:
    """The fewest tests that together kill every mutant (exact minimum set cover), sorted
    by name; among several of that size, the first in name order. `kills` maps each mutant
    name to the tests that kill it. ValueError names the mutants that no test kills."""
    unkilled = sorted(name for name, tests in kills.items() if not tests)
    if unkilled:
        raise ValueError(f"no test kills {', '.join(unkilled)}")
    mutants = sorted(kills)
    everything = (1 << len(mutants)) - 1
    masks: dict[str, int] = {}
    for bit, mutant in enumerate(mutants):
        for test in kills[mutant]:
            masks[test] = masks.get(test, 0) | (1 << bit)
    # Tests that kill exactly the same mutants are interchangeable: keep the first by name.
    by_mask: dict[int, str] = {}
    for test in sorted(masks):
        by_mask.setdefault(masks[test], test)
    tests = sorted(by_mask.values())
    killers = [[t for t in tests if masks[t] >> bit & 1] for bit in range(len(mutants))]
    widest = max((bin(masks[t]).count("1") for t in tests), default=1)
    best: list[tuple[str, ...]] = [tuple(tests)]

    def search(chosen: tuple[str, ...], covered: int, excluded: frozenset[str]) -> None:
        if covered == everything:
            candidate = tuple(sorted(chosen))
            if (len(candidate), candidate) < (len(best[0]), best[0]):
                best[0] = candidate
            return
        missing = bin(everything & ~covered).count("1")
        if len(chosen) + -(-missing // widest) > len(best[0]):
            return
        # Branch on the uncovered mutant with the fewest usable killers: one of them is in
        # the cover. The branch of the i-th killer excludes the earlier ones, whose covers
        # the earlier branches already tried, so no set of tests is visited twice.
        options = [
            [t for t in killers[b] if t not in excluded]
            for b in range(len(mutants))
            if not covered >> b & 1
        ]
        fewest = min(options, key=len)
        for index, test in enumerate(fewest):
            search((*chosen, test), covered | masks[test], excluded | set(fewest[:index]))

    search((), 0, frozenset())
    return best[0] if mutants else ()
