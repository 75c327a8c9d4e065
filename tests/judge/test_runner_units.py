"""The runner package's pure parts, imported on the host without Docker: the protocol
(request and report), the plan of runs and the verdicts, output capping and the parsing of
the worker's events, the report's bounds and safe text, the wipe between runs and what
its time costs a run, and the parsing of /proc/sysvipc."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from judge.runner import bounds, capture, plan, protocol, supervisor, wipe

GOLDEN_SOURCE = "def f():\n    return 1\n"


class FakeExecutor:
    """Stands in for the sandbox: records the runs, answers with given verdicts."""

    def __init__(self, verdicts: dict[str, list[str]], golden_ms: int = 100) -> None:
        self.verdicts = verdicts
        self.golden_ms = golden_ms
        self.calls: list[tuple[str, str, float, str]] = []

    def __call__(self, name: str, source: str, limit: float, kind: str) -> dict[str, Any]:
        self.calls.append((name, source, limit, kind))
        verdict = self.verdicts[name].pop(0)
        duration = self.golden_ms if len(self.calls) == 1 else 10
        return protocol.run_entry(name, verdict, duration, round(limit * 1000), [], "", False)

    def names(self) -> list[str]:
        return [name for name, _source, _limit, _kind in self.calls]


class FakeTwins:
    """make_twin stand-in: a new, numbered source each call, like a draw from the family."""

    def __init__(self) -> None:
        self.draws = 0

    def __call__(self, golden: str, rng: random.Random) -> str:
        self.draws += 1
        return f"{golden}# twin draw {self.draws} {rng.random()}\n"


def request(
    mutants: int = 3,
    tests: str = "def test_x():\n    pass\n",
    golden_reruns: int = protocol.DEFAULT_GOLDEN_RERUNS,
    twins: int = protocol.DEFAULT_TWINS,
) -> protocol.Request:
    pairs = [(f"m{i}", f"def f():\n    return {i + 2}\n") for i in range(mutants)]
    return protocol.Request(tests, GOLDEN_SOURCE, pairs, golden_reruns=golden_reruns, twins=twins)


def all_pass(mutants: int = 3, reruns: int = 6, twins: int = 2) -> FakeExecutor:
    return FakeExecutor(
        {
            "golden": ["passed"] * (1 + reruns),
            "twin": ["passed"] * twins,
            **{f"m{i}": ["killed"] for i in range(mutants)},
        }
    )


def test_golden_runs_first_and_every_other_run_in_one_random_order() -> None:
    orders = set()
    for seed in range(20):
        execute = all_pass()
        report = plan.judge(request(), execute, random.Random(seed), FakeTwins())
        names = execute.names()
        assert names[0] == "golden"
        assert sorted(names[1:]) == ["golden"] * 6 + ["m0", "m1", "m2"] + ["twin"] * 2
        assert [m["name"] for m in report["mutants"]] == ["m0", "m1", "m2"]
        assert len(report["golden"]) == 7 and len(report["twins"]) == 2
        orders.add(tuple(names))
    assert len(orders) > 15


def test_the_report_has_golden_twins_and_mutants_in_the_order_they_ran() -> None:
    execute = all_pass(mutants=2, reruns=2, twins=2)
    report = plan.judge(
        request(mutants=2, golden_reruns=2, twins=2), execute, random.Random(3), FakeTwins()
    )

    assert set(report) == {"protocol", "syntax_error", "golden", "twins", "mutants"}
    assert report["protocol"] == 2 and report["syntax_error"] is None
    golden_limits = [run["limit_ms"] for run in report["golden"]]
    assert golden_limits[0] == 5000 and len(golden_limits) == 3
    assert all(run["refused"] is None for run in report["golden"] + report["twins"])


def test_every_run_after_golden_s_first_gets_the_same_limit() -> None:
    execute = all_pass(mutants=3)
    execute.golden_ms = 300
    plan.judge(request(), execute, random.Random(0), FakeTwins())

    first, *others = execute.calls
    assert first[2] == 5.0
    assert [limit for _name, _source, limit, _kind in others] == pytest.approx([2.0] * 11)


@pytest.mark.parametrize(("reruns", "twins"), [(1, 1), (3, 4), (20, 5)])
def test_the_request_sets_how_many_golden_reruns_and_twins_run(reruns: int, twins: int) -> None:
    execute = all_pass(mutants=1, reruns=reruns, twins=twins)
    make_twin = FakeTwins()
    report = plan.judge(
        request(mutants=1, golden_reruns=reruns, twins=twins), execute, random.Random(1), make_twin
    )

    assert len(report["golden"]) == 1 + reruns and len(report["twins"]) == twins
    assert make_twin.draws == twins
    twin_sources = [source for name, source, _limit, _kind in execute.calls if name == "twin"]
    assert len(set(twin_sources)) == twins  # each twin is its own draw


def test_runs_get_their_kind() -> None:
    execute = all_pass(mutants=1, reruns=1, twins=1)
    plan.judge(request(mutants=1, golden_reruns=1, twins=1), execute, random.Random(0), FakeTwins())

    kinds = {name: kind for name, _source, _limit, kind in execute.calls}
    assert kinds == {"golden": "golden", "twin": "twin", "m0": "mutant"}
    sources = {name: source for name, source, _limit, _kind in execute.calls}
    assert sources["golden"] == GOLDEN_SOURCE and sources["m0"] == "def f():\n    return 2\n"


@pytest.mark.parametrize(("golden_s", "limit"), [(0.01, 1.0), (0.3, 2.0), (0.9, 5.0), (3.0, 5.0)])
def test_the_run_limit_formula(golden_s: float, limit: float) -> None:
    assert plan.run_limit(5.0, golden_s) == pytest.approx(limit)


def test_a_golden_that_does_not_pass_is_rerun_once_under_the_wall_limit_and_nothing_else_runs() -> (
    None
):
    execute = FakeExecutor({"golden": ["failed", "passed"]})
    make_twin = FakeTwins()
    report = plan.judge(request(), execute, random.Random(0), make_twin)

    assert execute.names() == ["golden", "golden"]
    assert [limit for _n, _s, limit, _k in execute.calls] == [5.0, 5.0]
    assert [run["verdict"] for run in report["golden"]] == ["failed", "passed"]
    assert report["twins"] == [] and report["mutants"] == [] and make_twin.draws == 0


def test_a_suite_that_does_not_compile_runs_nothing() -> None:
    execute = FakeExecutor({})
    report = plan.judge(request(tests="def test(:\n"), execute, random.Random(0), FakeTwins())

    assert execute.calls == [] and "SyntaxError" in report["syntax_error"]
    assert report["golden"] == [] and report["twins"] == []


def test_a_twin_that_cannot_be_derived_is_a_twin_error_under_the_common_limit() -> None:
    def no_twin(source: str, rng: random.Random) -> str:
        raise ValueError("unparsable")

    execute = FakeExecutor({"golden": ["passed"] * 7, **{f"m{i}": ["killed"] for i in range(3)}})
    report = plan.judge(request(), execute, random.Random(0), no_twin)

    assert [t["verdict"] for t in report["twins"]] == ["error", "error"]
    assert "unparsable" in report["twins"][0]["output"]
    assert report["twins"][0]["limit_ms"] == 1000 and report["twins"][0]["refused"] is None


def outcome(
    tests: list[str],
    exit_code: int | None = 0,
    errors: int = 0,
    timed_out: bool = False,
    refused: str | None = None,
) -> plan.Outcome:
    entries = [protocol.test_entry(f"t{i}", o, 1, "") for i, o in enumerate(tests)]
    return plan.Outcome(entries, exit_code, errors, timed_out, refused)


@pytest.mark.parametrize(
    ("result", "golden", "mutant"),
    [
        (outcome(["passed", "passed"]), "passed", "survived"),
        (outcome(["passed", "skipped"]), "passed", "survived"),
        (outcome(["passed", "failed"], 1), "failed", "killed"),
        (outcome(["passed", "error"], 1), "error", "killed"),
        (outcome(["failed", "error"], 1), "failed", "killed"),
        (outcome([], 2, errors=1), "error", "killed"),
        (outcome(["passed"], None), "error", "killed"),  # the worker crashed
        (outcome(["passed"], 3), "error", "killed"),  # pytest internal error
        (outcome([], 5), "no_tests", "survived"),
        (outcome(["skipped"]), "no_tests", "survived"),
        (outcome(["passed"], None, timed_out=True), "timeout", "timeout"),
        # The reference monitor refused an operation of the suite: never a pass.
        (outcome(["passed"], None, refused="inspect: __code__"), "error", "killed"),
        (outcome(["passed", "passed"], 0, refused="gc walk"), "error", "killed"),
        (outcome(["passed"], None, timed_out=True, refused="x"), "error", "killed"),
    ],
)
def test_verdicts(result: plan.Outcome, golden: str, mutant: str) -> None:
    assert plan.golden_verdict(result) == golden
    assert plan.mutant_verdict(result) == mutant
    assert plan.verdict("twin", result) == golden and plan.verdict("mutant", result) == mutant


def test_capped_output_keeps_head_and_tail_and_says_what_it_dropped() -> None:
    output = capture.CappedOutput(20)
    output.feed(b"0123456789")
    output.feed(b"x" * 1000)
    output.feed(b"abcdefghij")

    assert output.truncated
    assert output.text() == "0123456789\n[... 1000 bytes of output omitted ...]\nabcdefghij"


def test_output_up_to_the_limit_is_kept_whole() -> None:
    output = capture.CappedOutput(20)
    output.feed(b"a" * 15)
    output.feed(b"b" * 5)

    assert not output.truncated and output.text() == "a" * 15 + "b" * 5


def feed_lines(events: capture.EventStream, lines: list[bytes]) -> None:
    for line in lines:
        events.feed(line[: len(line) // 2])
        events.feed(line[len(line) // 2 :] + b"\n")


def test_the_event_stream_ignores_garbage_and_clips_what_it_keeps() -> None:
    events = capture.EventStream()
    test = {"event": "test", "name": "t" * 5000, "outcome": "passed", "duration_ms": 3}
    feed_lines(
        events,
        [
            b'{"event": "ready"}',
            b"not json",
            b"[1, 2]",
            b"[" * 100_000,  # deeper than the JSON decoder's recursion limit
            json.dumps({"event": "test", "name": "x", "outcome": "great"}).encode(),
            b"y" * (2 << 20),  # an endless line is skipped as a whole
            json.dumps(test).encode(),
            json.dumps({"event": "done", "exit_code": 0}).encode(),
        ],
    )

    assert [t["outcome"] for t in events.tests.entries()] == ["passed"]
    assert len(events.tests.entries()[0]["name"]) == protocol.NAME_CHARS
    assert events.exit_code == 0 and events.ready and events.refused is None


def test_the_event_stream_keeps_the_first_refusal_capped() -> None:
    events = capture.EventStream()
    feed_lines(
        events,
        [
            b'{"event": "ready"}',
            b'{"event": "refused", "what": 3}',  # not a description: ignored
            json.dumps({"event": "refused", "what": "r" * 5000}).encode(),
            b'{"event": "refused", "what": "second"}',
        ],
    )

    assert events.refused == "r" * protocol.REFUSED_CHARS


def test_an_empty_refusal_still_counts() -> None:
    events = capture.EventStream()
    feed_lines(events, [b'{"event": "refused", "what": ""}'])

    assert events.refused == protocol.REFUSED_BY_STATUS


BASE = '"protocol": 2, "tests": "", "golden": ""'


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff",
        b"[]",
        b'{"protocol": 1, "tests": "", "golden": ""}',
        b'{"protocol": 2, "tests": 1, "golden": ""}',
        b'{"protocol": 2, "tests": "", "golden": "", "mutants": [{"name": "m"}]}',
        b'{"protocol": 2, "tests": "", "golden": "", "mutants": {}}',
        b'{"protocol": 2, "tests": "", "golden": "", "wall_seconds": true}',
        b'{"protocol": 2, "tests": "", "golden": "", "output_limit_bytes": 0}',
        *(
            ("{" + BASE + f', "{field}": {value}' + "}").encode()
            for field, value in [
                ("golden_reruns", 0),
                ("golden_reruns", 21),
                ("golden_reruns", 2.5),
                ("golden_reruns", "true"),
                ("twins", 0),
                ("twins", 6),
                ("twins", '"2"'),
            ]
        ),
    ],
)
def test_a_malformed_request_is_a_runner_error(raw: bytes) -> None:
    with pytest.raises(protocol.RunnerError):
        protocol.parse_request(raw)


def test_a_minimal_request_gets_the_default_limits_and_counts() -> None:
    parsed = protocol.parse_request(b'{"protocol": 2, "tests": "t", "golden": "g"}')

    assert (parsed.wall_seconds, parsed.output_limit, parsed.mutants) == (5.0, 65536, [])
    assert (parsed.golden_reruns, parsed.twins) == (6, 2)


def test_a_full_request_is_parsed() -> None:
    raw = json.dumps(
        {
            "protocol": 2,
            "tests": "t",
            "golden": "g",
            "mutants": [{"name": "m", "code": "c"}],
            "wall_seconds": 2,
            "output_limit_bytes": 100,
            "golden_reruns": 20,
            "twins": 5,
        }
    ).encode()
    parsed = protocol.parse_request(raw)

    assert parsed.mutants == [("m", "c")] and parsed.wall_seconds == 2.0
    assert (parsed.output_limit, parsed.golden_reruns, parsed.twins) == (100, 20, 5)


def test_a_runner_error_report_is_one_line() -> None:
    line = protocol.encode_line(protocol.runner_error_report("boom\nagain"))

    assert line.count(b"\n") == 1 and json.loads(line) == {
        "protocol": 2,
        "runner_error": "boom\nagain",
    }


def test_the_sysvipc_listing_is_parsed() -> None:
    # /proc/sysvipc/sem after `ipcmk -S 1` twice, header dropped by sysv_ids.
    lines = [
        b"         0          0   600          1 10001 10001 10001 10001          0 1764444000",
        b"1095216660      32769   644          1 10001 10001 10001 10001          0 1764444001",
        b"",
    ]

    assert wipe.parse_sysv_ids(lines) == [0, 32769]


def test_nothing_to_wipe_outside_a_container_is_cheap_and_harmless() -> None:
    # Not PID 1 here: wipe_sysv_ipc is never called on a host, but it parses what it finds.
    assert all(isinstance(i, int) for i in wipe.sysv_ids("sem"))
    assert wipe.sysv_ids("no-such-kind") == []


def test_burning_pids_moves_the_next_worker_s_pid_forward() -> None:
    import os

    from judge.runner.zygote import PID_BURN_MASK, burn_pids

    def next_pid() -> int:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        return pid

    before = next_pid()
    burn_pids(PID_BURN_MASK)
    assert next_pid() - before >= PID_BURN_MASK + 1


# --- what a run leaves: the wipe, and its cost -------------------------------------------


def leave_a_mess(root: Path, depth: int = 1200) -> None:
    """What a suite can leave in /tmp: deep, read-only, unreadable, oddly named."""
    root.mkdir(parents=True)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):  # by descriptor: too deep for paths (and pathlib's recursion)
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    with open(os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as bottom:
        bottom.write("x")
    os.close(fd)
    (root / "ro" / "sub").mkdir(parents=True)
    (root / "ro" / "sub" / "file").write_text("x")
    os.chmod(root / "ro" / "sub", 0o500)
    os.chmod(root / "ro", 0o500)
    (root / "closed" / "inner").mkdir(parents=True)
    os.chmod(root / "closed" / "inner", 0)
    os.chmod(root / "closed", 0)
    odd = os.path.join(bytes(root), b"\xff\xfe -rf \n\x01*")
    os.mkdir(odd)
    with open(os.path.join(odd, b"--"), "w") as handle:
        handle.write("x")
    os.mkfifo(root / "fifo")
    for index in range(500):
        (root / f"e{index}").mkdir()


def test_the_wipe_removes_deep_read_only_and_oddly_named_entries_without_recursion(
    tmp_path: Path,
) -> None:
    scratch, outside = tmp_path / "scratch", tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    leave_a_mess(scratch / "mess")
    (scratch / "link").symlink_to(outside)  # removed, never followed
    (scratch / "root").symlink_to("/")

    removed = wipe.remove_contents(str(scratch))

    assert os.listdir(scratch) == [] and os.listdir(outside) == ["keep"]
    # The chain's 1,200 directories and its file, ro (3), closed (2), odd (2), the fifo,
    # 500 empty directories, the mess itself and the two links.
    assert removed == 1201 + 3 + 2 + 2 + 1 + 500 + 1 + 2


def test_an_entry_that_cannot_be_removed_is_left_and_the_wipe_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leave_a_mess(tmp_path / "mess", depth=50)
    unlink = os.unlink

    def refuse_bottom(path: Any, *, dir_fd: int | None = None) -> None:
        if path == "bottom":
            raise PermissionError(1, "refused", path)
        unlink(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", refuse_bottom)
    wipe.remove_contents(str(tmp_path))
    monkeypatch.undo()

    left = [str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")]
    # Only the chain down to the file that stayed.
    assert sorted(left, key=len)[-1] == "mess/" + "d/" * 50 + "bottom"
    assert len(left) == 1 + 50 + 1


def test_a_missing_scratch_directory_is_nothing_to_wipe(tmp_path: Path) -> None:
    assert wipe.remove_contents(str(tmp_path / "missing")) == 0


class IdleZygote:
    scratch = "/nonexistent"
    sock = None


def finished_run(limit: float, ran: float, cleanup: float) -> supervisor.VariantRun:
    """A run whose test process ended after `ran` s and whose cleanup took `cleanup` s."""
    run = supervisor.VariantRun(IdleZygote(), limit, 1024)  # type: ignore[arg-type]
    feed_lines(
        run.events,
        [
            b'{"event": "ready"}',
            b'{"event": "test", "name": "test_x", "outcome": "passed", "duration_ms": 1}',
            b'{"event": "done", "exit_code": 0}',
        ],
    )
    run.ended = 100.0 + ran
    run._charge_cleanup(100.0, 100.0 + ran + cleanup)
    return run


def test_the_cleanup_after_a_run_counts_against_its_limit() -> None:
    within = finished_run(limit=2.0, ran=1.0, cleanup=0.5)
    entry = within.entry("m", "mutant")
    assert entry["verdict"] == "survived" and entry["duration_ms"] == 1500

    over = finished_run(limit=2.0, ran=1.0, cleanup=1.5)
    entry = over.entry("m", "mutant")
    assert entry["verdict"] == "timeout" and entry["duration_ms"] == 2500
    assert over.entry("golden", "golden")["verdict"] == "timeout"
    assert "exceeded by the cleanup after the run" in entry["output"]
    assert [t["outcome"] for t in entry["tests"]] == ["passed"]


# --- a suite the compiler cannot handle ----------------------------------------------------


@pytest.mark.parametrize(
    ("suite", "error"),
    [
        ("x = " + "-" * 100_000 + "1\n", "MemoryError"),
        ("x = " + "lambda: " * 10_000 + "1\n", "MemoryError"),
        ("x = " + "+".join(["1"] * 30_000) + "\n", "RecursionError"),
        ("x = a" + ".b" * 30_000 + "\n", "RecursionError"),
    ],
)
def test_a_suite_too_deep_to_compile_is_a_syntax_error(suite: str, error: str) -> None:
    message = protocol.syntax_error_of(suite)

    assert message is not None and message.startswith(f"{error}: {protocol.TOO_COMPLEX}")
    report = plan.judge(request(tests=suite), FakeExecutor({}), random.Random(0), FakeTwins())
    assert report["syntax_error"] == message and report["golden"] == []


# --- what a run lists: every outcome counts, the list is capped ----------------------------


def entry_of(index: int, outcome: str, message: str = "") -> dict[str, Any]:
    return protocol.test_entry(f"t{index}", outcome, 0, message)


def test_a_run_lists_at_most_the_cap_and_keeps_failures_over_passes() -> None:
    tally = capture.Tally(listed=5)
    for index in range(10):
        tally.add(entry_of(index, "failed" if index in (1, 7, 8) else "passed"))

    assert [t["name"] for t in tally.entries()] == ["t0", "t1", "t2", "t7", "t8"]
    assert tally.omitted == {"error": 0, "failed": 0, "passed": 5, "skipped": 0}
    assert tally.counts["passed"] == 7 and tally.seen() == {"passed", "failed"}


def test_verdicts_use_every_outcome_not_the_listed_ones() -> None:
    tally = capture.Tally(listed=3)
    for index in range(10):
        tally.add(entry_of(index, "passed"))
    tally.add(entry_of(10, "skipped"))
    listed = tally.entries()
    assert [t["outcome"] for t in listed] == ["passed"] * 3

    result = plan.Outcome(listed, 0, seen=tally.seen())
    assert result.outcomes() == {"passed", "skipped"}
    failing = plan.Outcome(listed, 1, seen={"passed", "failed"})
    assert plan.mutant_verdict(failing) == "killed" and plan.golden_verdict(failing) == "failed"


def test_skip_reasons_get_half_the_message_budget_and_failures_all_of_it() -> None:
    tally = capture.Tally()
    reason = "r" * protocol.MESSAGE_CHARS
    for index in range(20):
        tally.add(entry_of(index, "skipped", reason))
    for index in range(20, 40):
        tally.add(entry_of(index, "failed", reason))

    kept = [t["outcome"] for t in tally.entries() if t["message"] == reason]
    assert kept.count("skipped") == protocol.SKIP_MESSAGE_CHARS // protocol.MESSAGE_CHARS
    assert len(kept) == protocol.RUN_MESSAGE_CHARS // protocol.MESSAGE_CHARS
    assert tally.entries()[-1]["message"] == protocol.MESSAGE_OMITTED


def test_the_runner_s_own_note_is_always_listed_whole() -> None:
    tally = capture.Tally(listed=1)
    tally.add(entry_of(0, "failed", "f" * protocol.RUN_MESSAGE_CHARS))
    tally.add(entry_of(1, "error", "time limit exceeded"), budgeted=False)

    assert [t["message"][:4] for t in tally.entries()] == ["ffff", "time"]


# --- the report: valid Unicode, at most 1 MiB -----------------------------------------------


def test_lone_surrogates_and_nul_become_replacement_characters() -> None:
    from appliance.judging.report import decode

    run = protocol.run_entry("golden", "failed", 1, 1000, [], "out \x00 put \udcff", False)
    run["tests"] = [protocol.test_entry("t\ud800", "failed", 1, "assert '\ud800' \x00 😀")]
    document = protocol.report(golden=[run, dict(run)])
    line = protocol.encode_line(document)

    line.decode("utf-8", "strict")
    decoded = decode(line)
    assert decoded.golden[0].tests[0].name == "t\ufffd"
    assert decoded.golden[0].tests[0].message == "assert '\ufffd' \ufffd 😀"
    assert decoded.golden[0].output == "out \ufffd put \ufffd"
    assert "😀".encode() in line  # as itself: 4 bytes, not a 12-byte escape


def big_run(name: str, tests: int, verdict: str = "survived") -> dict[str, Any]:
    """A run at the capture caps, with long emoji names, messages and output."""
    entries = [
        protocol.test_entry(
            f"test_{index}_" + "😀" * 490,
            "failed" if index % 500 == 499 else "passed",
            1,
            "m\x01" * 100,
        )
        for index in range(tests)
    ]
    output = "\x01\udcff" * 40_000  # 6-byte escapes in JSON
    run = protocol.run_entry(name, verdict, 10, 1000, entries, output, True)
    return bounds.with_omitted(run, {"passed": 18_000})


def test_every_report_fits_in_a_mebibyte_and_keeps_its_verdicts_and_failures() -> None:
    runs = [bounds.fit_run(big_run(f"m{index}", protocol.LISTED_TESTS)) for index in range(30)]
    assert all(bounds.run_size(run) <= protocol.RUN_BYTES for run in runs)
    document = protocol.report(golden=runs[:7], twins=runs[7:9], mutants=runs[9:])
    document["timing_ms"] = {"total": 1}

    final = bounds.bound_report(document)
    line = protocol.encode_line(final)

    assert len(line) <= protocol.REPORT_BYTES
    assert [run["verdict"] for run in final["mutants"]] == ["survived"] * 21
    for run in [*final["golden"], *final["twins"], *final["mutants"]]:
        assert "_omitted" not in run and run["output_truncated"]
        assert "report size limit" in run["output"]
        listed = run["tests"][:-1]
        assert [t["outcome"] for t in listed].count("failed") == 4  # failures kept
        closing = run["tests"][-1]
        hidden = protocol.LISTED_TESTS - len(listed) + 18_000
        assert closing["name"] == f"<{hidden} more tests not listed>"
        assert closing["outcome"] == "skipped"


def test_a_small_report_is_printed_as_it_is() -> None:
    run = protocol.run_entry("golden", "passed", 1, 1000, [entry_of(0, "passed")], "ok", False)
    document = protocol.report(golden=[bounds.fit_run(bounds.with_omitted(dict(run), {}))])

    assert bounds.bound_report(document) == protocol.report(golden=[run])


def test_small_runs_keep_everything_when_large_ones_are_cut() -> None:
    small = protocol.run_entry("m0", "killed", 1, 1000, [entry_of(0, "failed", "x")], "", False)
    document = protocol.report(golden=[big_run("golden", 3000)], mutants=[dict(small)])

    final = bounds.bound_report(document, limit=200_000)

    assert final["mutants"] == [small]
    assert len(protocol.encode_line(final)) <= 200_000


@pytest.mark.parametrize("limit", [0, 40, 100, 1000, 50_000])
def test_shrunk_text_keeps_head_and_tail_within_the_bytes(limit: int) -> None:
    text = "head " + "😀\x01" * 20_000 + " tail"
    shrunk = bounds.shrink_text(text, limit)

    assert protocol.encoded_size(shrunk) <= limit or shrunk == ""
    if limit >= 1000:
        assert shrunk.startswith("head ") and shrunk.endswith(" tail")
        assert "characters of output omitted" in shrunk
    assert bounds.shrink_text("short", limit) in ("short", "")
