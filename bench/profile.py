"""`python -m bench.profile <scenario>`: the service under pyinstrument while one scenario runs.

The service runs in its own process under `pyinstrument -m adapter`, so the profile holds the
service's time only (not the load generator's, not the emulator's). Stopped with SIGTERM, it
shuts down cleanly and pyinstrument prints where the time went.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load, procs

SCENARIOS = ("cached", "uncached", "access", "bundle")


async def _drive(scenario: str, service_url: str, manifest: dict[str, Any]) -> load.Outcome:
    alice = manifest["users"]["alice"]["token"]
    base = f"{service_url}{load.DRS}"
    objects = manifest["objects"]
    if scenario == "cached":
        private = next(o for o in objects if o["case"] == "private_file")
        url = f"{base}/objects/{private['drs_id']}"
        return await load.run(lambda i: load.get(url, alice), 8000, 32)
    if scenario == "bundle":
        dataset = next(o for o in objects if o["case"] == "generated_dataset")
        url = f"{base}/objects/{dataset['drs_id']}"
        return await load.run(lambda i: load.get(url, alice), 10, 1)
    files = [o for o in objects if o["case"] == "generated_file"]
    if scenario == "access":

        def access(i: int) -> load.Request:
            return load.get(f"{base}/objects/{files[i]['drs_id']}/access/{files[i]['access_id']}",
                            alice)  # fmt: skip

        return await load.run(access, len(files), 3)
    return await load.run(lambda i: load.get(f"{base}/objects/{files[i]['drs_id']}", alice),
                          len(files), 3)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = ("--seed", "empty", "--dataset-items", "30000") if args.scenario == "bundle" else (
            "--files", "3000")  # fmt: skip
        emulator, manifest = procs.start_emulator(Path(tmp), *seed)
        out = Path(tmp) / "profile.pyisession"
        profiler = ("-m", "pyinstrument", "-i", "0.0005", "-r", "pyisession", f"--outfile={out}")
        # Bundles are read with caching off: every GET reads the Dataset from the emulator.
        ttl = "0" if args.scenario == "bundle" else "60"
        service = procs.start_service(emulator.url, runner=profiler, cache_ttl_s=ttl)
        try:
            started = time.perf_counter()
            outcome = asyncio.run(_drive(args.scenario, service.url, manifest))
            elapsed = time.perf_counter() - started
            figures = outcome.figures()
            sys.stdout.write(f"{args.scenario}: {figures} in {elapsed:.1f} s\n")
        finally:
            service.stop()
            emulator.stop()
        renderers = [["-r", "text"]]
        if args.html:
            renderers.append(["-r", "html", "-o", str(args.html)])
        for renderer in renderers:
            subprocess.run(  # noqa: S603 - our own interpreter
                [sys.executable, "-m", "pyinstrument", "--load", str(out), *renderer], check=True
            )


if __name__ == "__main__":
    main()
