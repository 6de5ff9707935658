"""A pure computation run in a forked child process while the parent goes on: for the per-row work of big
imports, so that the machine's second core takes a share of it.

The child gets everything by ``fork`` (no pickling of the arguments), returns plain data (``marshal``: str, int,
float, None, tuples, lists, dicts) through a pipe, and leaves with ``os._exit``: it never runs the parent's
clean-up, flushes its buffers or touches its open files and database connection. Anything that goes wrong in the
child (an exception, a crash, a result marshal cannot carry) makes ``result()`` return None, and the caller
computes the answer itself: the fork is only ever a shortcut.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def spare_cores() -> int:
    """How many cores besides this process's one it may use (0 where fork is unavailable)."""
    if not hasattr(os, "fork") or sys.platform != "linux":  # fork-safety of macOS system libraries: not ours to test
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, cores - 1)


class Forked:
    """``fn(*args)`` computed in a child forked now; ``result()`` waits for it (None if it failed)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        import marshal

        self._read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child
            code = 1
            try:
                os.close(self._read)
                data = memoryview(marshal.dumps(fn(*args)))
                while data:
                    data = data[os.write(write, data):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)

    def discard(self) -> None:
        """Stop the child and forget its result (when the parent gives up before asking for it)."""
        if self._pid:
            import signal

            os.kill(self._pid, signal.SIGKILL)
            os.close(self._read)
            os.waitpid(self._pid, 0)
            self._pid = 0

    def result(self) -> Any | None:
        import marshal

        if not self._pid:
            return None
        chunks = []
        try:
            while True:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self._read)
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            return None
        try:
            return marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None
