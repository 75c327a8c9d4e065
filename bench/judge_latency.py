"""End-to-end judge latency and throughput, against its baselines, in one run.

Starts a real appliance on this host (PostgreSQL, Redis, the API under uvicorn, two RQ
workers, the judge image in Docker), then measures:
  * end to end: POST /api/v1/submissions to a terminal status, a strong suite on a problem
    with 5 mutants, p50 and p95 over --runs submissions one after another;
  * baseline (a), container per variant: a fresh `docker run` of pytest for every run of
    the same plan (golden and its reruns, the twins, each mutant), as a naive judge does;
  * baseline (b), the floor: the same runner with no container and no queue;
  * throughput: a burst of --burst submissions judged by two workers.
Prints every number it measured and the ratios. Run: .venv/bin/python -m bench.judge_latency
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from appliance import db, migrate
from appliance.accounts.users import create_user
from appliance.judging.request import GOLDEN_RERUNS, TWINS, JudgeRequest, Variant
from appliance.judging.sandbox import docker_client
from appliance.problems import jobs, versions
from appliance.problems.bundle import MutantSpec, ProblemBundle
from appliance.settings import from_env
from appliance.workers.worker import make_context
from tests import services
from tests.bundles import EXTRA_MUTANTS, FIVE_MUTANT_SUITE, GOLDEN, MUTANTS

ROOT = Path(__file__).resolve().parent.parent
JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
JUDGE_PYTHON = "/opt/judge/venv/bin/python"
TERMINAL = {"SUCCESS", "FAILURE", "ERROR"}

SUITE = FIVE_MUTANT_SUITE


def five_mutant_problem() -> ProblemBundle:
    mutants = {**MUTANTS, **EXTRA_MUTANTS}
    return ProblemBundle(
        slug="bench-clamp",
        title="Clamp (benchmark)",
        difficulty="Easy",
        tags=("bench",),
        function_signature="def clamp(x, lo, hi)",
        show_golden=True,
        wall_seconds=5.0,
        description_md="Limit x to [lo, hi].",
        golden_code=GOLDEN,
        reference_tests=SUITE,
        mutants=tuple(MutantSpec(n, c, w, h) for n, (c, w, h) in mutants.items()),
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def submit(self, code: str) -> str:
        return str(
            self.call("POST", "/api/v1/submissions", {"problem": "bench-clamp", "code": code})["id"]
        )

    def wait(self, submission_id: str, timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.call("GET", f"/api/v1/submissions/{submission_id}")
            if got["status"] in TERMINAL:
                return dict(got)
            time.sleep(0.02)
        raise RuntimeError(f"submission {submission_id} did not finish in {timeout_s} s")


@contextmanager
def appliance(workdir: Path, workers: int) -> Iterator[tuple[Api, str]]:
    with ExitStack() as stack:
        pg_url = stack.enter_context(services.postgres())
        redis_url = stack.enter_context(services.redis_server(workdir))
        with db.connect(pg_url) as admin:
            admin.execute("CREATE DATABASE arena")
        url = pg_url.rsplit("/", 1)[0] + "/arena"
        port = services.free_port()
        env = {
            **os.environ,
            "ARENA_DATABASE_URL": url,
            "ARENA_REDIS_URL": redis_url,
            "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
            "ARENA_API_PORT": str(port),
            "ARENA_API_WORKERS": "1",
            "ARENA_RATE_LIMIT_PER_MINUTE": "100000",
        }
        settings = from_env(env)
        with db.connect(url) as conn:
            migrate.apply_all(conn)
            client = docker_client()
            ctx = make_context(settings, conn, client, "bench-setup")
            ref = versions.add_version(conn, five_mutant_problem(), created_by=None)
            assert jobs.validate(ctx, ref.id) == "valid"
            versions.publish(conn, ref.slug, ref.number)
            _, token = create_user(conn, "bench", "learner")
            conn.execute("DELETE FROM workers")
        programs = [["api"]] + [["worker"]] * workers
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "appliance", *p],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for p in programs
        ]
        try:
            api = Api(f"http://127.0.0.1:{port}", token)
            wait_ready(api.base)
            yield api, url
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)


def wait_ready(base: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the appliance did not become ready")


def end_to_end(api: Api, runs: int) -> list[float]:
    api.wait(api.submit(SUITE + "\n# warm-up\n"))
    latencies = []
    for i in range(runs):
        started = time.monotonic()
        got = api.wait(api.submit(SUITE + f"\n# run {i}\n"))
        latencies.append(time.monotonic() - started)
        assert got["status"] == "SUCCESS" and got["score"] == 100, got
    return latencies


def burst(api: Api, count: int) -> float:
    started = time.monotonic()
    ids = [api.submit(SUITE + f"\n# burst {i}\n") for i in range(count)]
    for submission_id in ids:
        assert api.wait(submission_id, timeout_s=600)["status"] == "SUCCESS"
    return time.monotonic() - started


def twin_of(golden: str, seed: int) -> str:
    """One of the runner's equivalent twins of the golden code (judge/runner/twin.py,
    stdlib only, loaded as a file)."""
    spec = importlib.util.spec_from_file_location("judge_twin", ROOT / "judge/runner/twin.py")
    assert spec is not None and spec.loader is not None
    twin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(twin)
    return str(twin.make_twin(golden, random.Random(seed)))


def container_per_variant(runs: int) -> list[float]:
    """A naive judge doing the same work: one fresh container running pytest for each run
    of the plan (golden and its reruns, the twins, 5 mutants: 14 runs)."""
    problem = five_mutant_problem()
    variants = [problem.golden_code] * (1 + GOLDEN_RERUNS)
    variants += [twin_of(problem.golden_code, seed) for seed in range(TWINS)]
    variants += [m.code for m in problem.mutants]
    timings = []
    for _ in range(runs):
        started = time.monotonic()
        for code in variants:
            with tempfile.TemporaryDirectory() as folder:
                Path(folder, "target.py").write_text(code)
                Path(folder, "test_suite.py").write_text(SUITE)
                os.chmod(folder, 0o755)
                subprocess.run(
                    [
                        "docker",
                        "run",
                        "--rm",
                        "--network",
                        "none",
                        "-v",
                        f"{folder}:/work:ro",
                        "-w",
                        "/work",
                        "-e",
                        "PYTHONDONTWRITEBYTECODE=1",
                        "--entrypoint",
                        JUDGE_PYTHON,
                        JUDGE_IMAGE,
                        "-m",
                        "pytest",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                    ],
                    capture_output=True,
                    check=False,
                )
        timings.append(time.monotonic() - started)
    return timings


def floor(runs: int, warm: bool) -> list[float]:
    """The same runner and request straight on the host: no container, no queue. Cold:
    timed from process start. Warm: the request is sent once the runner has had time to
    load Python and pytest, as the worker's prepared sandbox has."""
    problem = five_mutant_problem()
    request = JudgeRequest(
        SUITE, problem.golden_code, [Variant(m.name, m.code) for m in problem.mutants], 5.0, 65536
    )
    payload = request.encode()
    timings = []
    for _ in range(runs):
        cold_start = time.monotonic()
        runner = subprocess.Popen(
            [sys.executable, "-s", "-P", "-m", "runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT / "judge")},
        )
        if warm:
            time.sleep(1.5)
        started = time.monotonic() if warm else cold_start
        stdout, _ = runner.communicate(payload, timeout=120)
        timings.append(time.monotonic() - started)
        assert b'"verdict"' in stdout
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o755)
        with appliance(Path(scratch), workers=2) as (api, _):
            e2e = end_to_end(api, args.runs)
            burst_s = burst(api, args.burst)
    naive = container_per_variant(args.baseline_runs)
    cold = floor(args.runs, warm=False)
    warm = floor(args.runs, warm=True)
    p50, p95 = percentile(e2e, 0.5), percentile(e2e, 0.95)
    naive_p50 = statistics.median(naive)
    cold_p50, warm_p50 = statistics.median(cold), statistics.median(warm)
    print(
        f"end to end (POST to terminal status), {len(e2e)} runs: "
        f"p50 {p50:.3f} s, p95 {p95:.3f} s, min {min(e2e):.3f} s, max {max(e2e):.3f} s"
    )
    print(f"(a) container per variant, {len(naive)} runs: median {naive_p50:.3f} s")
    print(f"(b) floor, the runner on the host, no container, no queue, {len(warm)} runs each:")
    print(f"    from process start: median {cold_p50:.3f} s")
    print(
        f"    Python and pytest already loaded (as in a prepared sandbox): median {warm_p50:.3f} s"
    )
    print(f"ratio (a) / end-to-end p50: {naive_p50 / p50:.2f}x faster than container per variant")
    print(f"ratio end-to-end p50 / (b) loaded floor: {p50 / warm_p50:.2f}x the floor")
    print(
        f"throughput, 2 workers, burst of {args.burst}: {burst_s:.1f} s, "
        f"{args.burst / burst_s * 60:.1f} submissions per minute"
    )


if __name__ == "__main__":
    main()
