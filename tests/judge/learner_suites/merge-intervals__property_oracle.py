"""Random inputs against a naive fixed-point oracle (no hypothesis)."""

import itertools
import random

import target


def overlaps(a, b):
    return a[0] <= b[1] and b[0] <= a[1]


def naive_merge(intervals):
    pool = list(intervals)
    changed = True
    while changed:
        changed = False
        for i in range(len(pool)):
            for j in range(i + 1, len(pool)):
                if overlaps(pool[i], pool[j]):
                    a, b = pool[i], pool.pop(j)
                    pool[i] = (min(a[0], b[0]), max(a[1], b[1]))
                    changed = True
                    break
            if changed:
                break
    return sorted(pool)


def random_intervals(rng):
    result = []
    for _ in range(rng.randint(0, 8)):
        start = rng.randint(0, 30)
        result.append((start, start + rng.randint(0, 6)))
    return result


def test_against_oracle():
    rng = random.Random(7)
    for _ in range(400):
        intervals = random_intervals(rng)
        assert target.merge_intervals(list(intervals)) == naive_merge(intervals), intervals


def test_result_is_sorted_and_disjoint():
    rng = random.Random(8)
    for _ in range(200):
        result = target.merge_intervals(random_intervals(rng))
        for left, right in itertools.pairwise(result):
            assert left[1] < right[0]
