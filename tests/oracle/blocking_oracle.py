#!/usr/bin/env python3
"""Runtime oracle for DL008: does awaiting the framework's async entry block the loop?

Usage (from the repository root, with the venv `.ci/setup` makes):

    target/test-deps/oracle-venv/bin/python tests/oracle/blocking_oracle.py \
        FILE.py:Class:method [...]

For each case the fixture file is imported, the class is instantiated with no
arguments, and ``await instance.method(arg)`` runs (``acomplete("x")``;
``acondense(View(events=[]))``) while a ticker task on the same loop counts
10 ms sleeps. One line of JSON per case::

    {"case": "...", "ticks": 0, "seconds": 0.2, "blocked": true}

``ticks`` is how often the ticker ran while the awaited call was in flight:
a call that keeps the loop free lets it run about twenty times in 0.2 s, a
call that runs its sync entry on the loop lets it run never. ``blocked`` is
no tick during a call that took at least 0.1 s (a cheap sync entry run
inline takes no time to speak of, and holds the loop for no longer). Standard library
only, besides the frameworks the fixtures import.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time


def argument(method: str):
    """What each framework's async entry is awaited with."""
    if method == "acondense":
        from openhands.sdk.context.view import View

        return View(events=[])
    return "x"


def load(path: str, index: int):
    spec = importlib.util.spec_from_file_location(f"blocking_fixture_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def measure(call) -> tuple[int, float]:
    ticks = 0
    running = True

    async def ticker():
        nonlocal ticks
        while running:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    # Let the ticker reach its first sleep, so that it is ready to run.
    await asyncio.sleep(0.03)
    before = ticks
    started = time.perf_counter()
    await call()
    # Read before this task yields again: a blocked loop ran nothing since.
    during = ticks - before
    seconds = time.perf_counter() - started
    running = False
    await task
    return during, seconds


def main() -> int:
    modules: dict[str, object] = {}
    for case in sys.argv[1:]:
        path, class_name, method = case.rsplit(":", 2)
        if path not in modules:
            modules[path] = load(path, len(modules))
        instance = getattr(modules[path], class_name)()
        arg = argument(method)
        ticks, seconds = asyncio.run(measure(lambda: getattr(instance, method)(arg)))
        print(
            json.dumps(
                {
                    "case": case,
                    "ticks": ticks,
                    "seconds": round(seconds, 3),
                    "blocked": ticks == 0 and seconds >= 0.1,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
