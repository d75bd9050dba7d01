"""Shared by the benchmarks: pin to N cores and describe the machine the figures came from."""

from __future__ import annotations

import os
import platform


def pin_and_describe(cores: int) -> str:
    """Pin this process to the first `cores` CPUs (0: leave it) and return a machine line."""
    if hasattr(os, "sched_setaffinity") and cores:
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))
    pinned = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"machine: {platform.machine()} {os.cpu_count()} cpus, pinned to {pinned}; "
        f"Python {platform.python_version()}; {platform.platform()}"
    )
