"""The appliance's packaging numbers (issue 3, item 9), measured for real:

- image sizes (`docker image inspect`: uncompressed, as `docker images` shows them);
- the bundle's size (`arenactl bundle`, or an existing one with --bundle);
- install time from the bundle to ready (`arenactl install`: verify, load, start, /readyz 200,
  first admin), into a temporary --dir on free ports;
- container start to ready: `docker restart` of the installed appliance until /readyz answers
  200 (bundled PostgreSQL and Redis, data already initialised; target under 20 s);
- idle memory of the whole appliance: the sum of the RSS of every process in the container
  (`docker exec ... ps -eo rss`, after 30 s idle; target under 700 MB; pages shared between
  processes count once per process), and for comparison the container's cgroup memory
  usage as `docker stats` reports it.

    .venv/bin/python -m bench.appliance_numbers [--bundle dist/arena-appliance-0.1.0.tgz]

Everything it installs is removed again (`arenactl uninstall --purge --keep-images`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARENACTL = REPO / "ops" / "arenactl"
START_TARGET_S = 20.0
MEMORY_TARGET_MB = 700.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:.0f} MB"


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(url: str, timeout_s: float = 300) -> float:
    started = time.monotonic()
    while not ready(url):
        if time.monotonic() - started > timeout_s:
            sys.exit(f"{url} not ready after {timeout_s:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def image_size(image: str) -> int:
    return int(run("docker", "image", "inspect", "-f", "{{.Size}}", image).strip())


def container_of(project: str) -> str:
    ids = run("docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}")
    return ids.split()[0]


def idle_memory(container: str) -> tuple[float, float]:
    """(sum of the processes' RSS, cgroup usage) in bytes."""
    rss_kb = run("docker", "exec", container, "ps", "-eo", "rss=").split()
    stats = json.loads(run("docker", "stats", "--no-stream", "--format", "{{json .}}", container))
    usage = stats["MemUsage"].split("/")[0].strip()
    units = {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "B": 1}
    unit = next(u for u in units if usage.endswith(u))
    return sum(int(k) for k in rss_kb) * 1024.0, float(usage[: -len(unit)]) * units[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description="appliance packaging numbers")
    parser.add_argument("--bundle", type=Path, help="an existing bundle (default: build one)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    bundle = args.bundle
    if bundle is None:
        started = time.monotonic()
        bundle = Path(run(str(ARENACTL), "bundle", "--out", str(work)).strip().splitlines()[-1])
        print(f"bundle built in {time.monotonic() - started:.0f} s")
    meta = dict(
        line.split("=", 1)
        for line in run("tar", "-xzOf", str(bundle), "--wildcards", "*/VERSION").splitlines()
    )
    print("image sizes (uncompressed):")
    for key in ("appliance_image", "judge_image"):
        print(f"  {meta[key]:<32} {mb(image_size(meta[key]))}")
    print(f"bundle {bundle.name}: {mb(bundle.stat().st_size)}")

    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}/readyz"
    install_dir = work / "install"
    env = {
        **os.environ,
        "ARENA_API_PORT": str(api_port),
        "ARENA_CONSOLE_PORT": str(free_port()),
        "ARENA_PROJECT": f"arena-bench-{os.getpid()}",
    }
    try:
        started = time.monotonic()
        run(str(ARENACTL), "--dir", str(install_dir), "install", str(bundle), env=env)
        install_s = time.monotonic() - started
        print(f"install from the bundle to ready: {install_s:.1f} s")
        container = container_of(env["ARENA_PROJECT"])
        starts = []
        for _ in range(3):
            run("docker", "stop", "-t", "120", container)
            started = time.monotonic()
            run("docker", "start", container)
            starts.append(wait_ready(api))
        best = min(starts)
        print(
            f"container start to ready: {best:.1f} s best of 3 ({', '.join(f'{s:.1f}' for s in starts)}); "
            f"target < {START_TARGET_S:.0f} s: {'met' if best < START_TARGET_S else 'MISSED'}"
        )
        time.sleep(30)
        rss, cgroup = idle_memory(container)
        print(
            f"idle memory, sum of RSS of all processes in the container (docker exec ps -eo rss): {mb(rss)}; "
            f"target < {MEMORY_TARGET_MB:.0f} MB: {'met' if rss / 1e6 < MEMORY_TARGET_MB else 'MISSED'}"
        )
        print(f"  (cgroup memory usage from docker stats, shared pages counted once: {mb(cgroup)})")
    finally:
        subprocess.run(
            [str(ARENACTL), "--dir", str(install_dir), "uninstall", "--purge", "--keep-images"],
            capture_output=True,
            env=env,
            check=False,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
