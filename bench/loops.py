"""`python -m bench.loops uvloop MODULE [ARG ...]`: run `python -m MODULE` under uvloop.

The bench's A/B of the event loop, without touching the service: uvloop's policy is installed
before MODULE runs, so the loop `aiohttp.web.run_app` creates is uvloop's. The service and
the floors run through this under uvloop; under asyncio they run as `python -m MODULE`
directly, exactly as deployed.
"""

from __future__ import annotations

import runpy
import sys

LOOPS = ("asyncio", "uvloop")


def main() -> None:
    loop, module, *args = sys.argv[1:]
    if loop == "uvloop":
        import uvloop

        uvloop.install()
    elif loop != "asyncio":
        raise SystemExit(f"unknown event loop {loop!r}: one of {', '.join(LOOPS)}")
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
