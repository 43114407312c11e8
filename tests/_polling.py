"""Bounded polling for tests that wait on another process (no fixed sleeps, no while loops)."""

import time


def wait_for(predicate, timeout=120.0, interval=0.01):
    """Call ``predicate`` until it returns something truthy or ``timeout`` seconds pass.

    Returns the last value of ``predicate`` (truthy on success).
    """
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 1):
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
    return predicate()
