"""`make run`: the web server and a Celery worker with beat built in, started and stopped
together.

    python -m outsourcing.run 127.0.0.1:8000

Ctrl+C, SIGTERM or a closed terminal stops both: each child gets one SIGTERM and is
waited for, then the launcher exits 0. The children run in process groups of their own,
so a Ctrl+C in the terminal reaches only the launcher (and make), never the children
themselves: a second signal would turn Celery's warm shutdown into a cold one, and
further signals while stopping are ignored for the same reason. A child that ends by
itself (the port is taken, say) stops the other, and the launcher exits 1.
"""

from __future__ import annotations

import os
import signal
import subprocess  # nosec B404
import sys
import time
from pathlib import Path
from types import FrameType

BASE_DIR = Path(__file__).resolve().parent.parent
# A warm shutdown lets the running task finish; past this the worker is killed (tasks are
# acknowledged late, so the broker hands its task out again).
STOP_TIMEOUT = 20.0
POLL_INTERVAL = 0.2


def commands(address: str) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web server": [python, "manage.py", "runserver", address],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "outsourcing",
            "worker",
            "--beat",
            "--loglevel=warning",
            "--concurrency=1",
        ],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m outsourcing.run HOST:PORT", file=sys.stderr)
        return 2
    signals: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        signals.append(signum)

    # SIGHUP too: a closed terminal hangs up its foreground group, not the children's.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, remember)
    # Reviewed: this project's own fixed commands, without a shell.
    children = {
        name: subprocess.Popen(  # nosec B603
            command, cwd=BASE_DIR, stdin=subprocess.DEVNULL, process_group=0
        )
        for name, command in commands(argv[0]).items()
    }
    ended = None
    while not signals and ended is None:
        time.sleep(POLL_INTERVAL)
        ended = next((name for name, child in children.items() if child.poll() is not None), None)
    if ended is None:
        say("Stopping the web server and the worker...")
    else:
        say(f"The {ended} stopped; stopping the rest.")
    stop(list(children.values()))
    return 0 if ended is None else 1


def say(message: str) -> None:
    try:
        print(message, file=sys.stderr, flush=True)
    except OSError:
        pass  # the terminal is gone (SIGHUP); stop the children all the same


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    """One SIGTERM to each child still running; past STOP_TIMEOUT, SIGKILL."""
    running = [child for child in children if child.poll() is None]
    for child in running:
        child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in running:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        # The whole group: it also holds what the child started (the worker's pool and
        # beat, the server's autoreloading process), none of which may outlive make run.
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # nothing left in it
        child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
