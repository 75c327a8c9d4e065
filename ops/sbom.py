"""A CycloneDX 1.5 JSON SBOM of the appliance's Python dependencies, from the pinned lock file
(`name==version` lines with `--hash=sha256:...` options, as pip-compile writes them) and,
when given, the wheelhouse (each wheel's METADATA adds its license and summary).

Standard library only, no network: `arenactl bundle` runs it with the host's python3.

    python3 ops/sbom.py --lock ops/offline-wheels/requirements.lock [--wheels DIR] \
        --name qa-arena-appliance --version 0.1.0 > sbom.cdx.json
"""

from __future__ import annotations

import argparse
import email.parser
import json
import re
import sys
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, dict[str, object]]:
    """Pinned packages by canonical name: version and every sha256 the lock allows."""
    packages: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if match:
            current = {"name": match[1], "version": match[2], "hashes": []}
            packages[canonical(match[1])] = current
        hashes = _HASH.findall(line)
        if current is not None and hashes:
            current["hashes"] = [*current["hashes"], *hashes]  # type: ignore[misc]
    return packages


def wheel_metadata(wheels: Path) -> dict[str, dict[str, str]]:
    """License and summary from each wheel's METADATA, by canonical name."""
    found: dict[str, dict[str, str]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            if not names:
                continue
            meta = email.parser.Parser().parsestr(archive.read(names[0]).decode("utf-8", "replace"))
        license_ = meta.get("License-Expression") or meta.get("License") or ""
        if not license_ or len(license_) > 100:
            classifiers = [
                c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
            ]
            license_ = classifiers[0].split("::")[-1].strip() if classifiers else ""
        found[canonical(meta.get("Name", wheel.name.split("-")[0]))] = {
            "license": license_,
            "summary": meta.get("Summary", ""),
            "file": wheel.name,
        }
    return found


def component(package: dict[str, object], meta: dict[str, str] | None) -> dict[str, object]:
    name, version = str(package["name"]), str(package["version"])
    item: dict[str, object] = {
        "type": "library",
        "bom-ref": f"pkg:pypi/{canonical(name)}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{canonical(name)}@{version}",
    }
    hashes = package.get("hashes") or []
    if hashes:
        item["hashes"] = [{"alg": "SHA-256", "content": h} for h in hashes]  # type: ignore[attr-defined]
    if meta:
        if meta["summary"]:
            item["description"] = meta["summary"]
        if meta["license"]:
            item["licenses"] = [{"license": {"name": meta["license"]}}]
    return item


def sbom(lock: Path, wheels: Path | None, name: str, version: str) -> dict[str, object]:
    packages = parse_lock(lock.read_text())
    metadata = wheel_metadata(wheels) if wheels else {}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "arena ops/sbom.py"}]},
            "component": {"type": "application", "name": name, "version": version},
        },
        "components": [component(p, metadata.get(key)) for key, p in sorted(packages.items())],
    }


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--lock", type=Path, required=True)
    args.add_argument("--wheels", type=Path)
    args.add_argument("--name", default="qa-arena-appliance")
    args.add_argument("--version", required=True)
    ns = args.parse_args(argv)
    document = sbom(ns.lock, ns.wheels, ns.name, ns.version)
    if not document["components"]:
        print(f"no pinned package (name==version) in {ns.lock}", file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
