"""`make run`'s launcher (outsourcing/run.py) stops on Ctrl+C and on SIGTERM with one short
message, exit status 0 and no process left behind.

The launcher runs for real: web server, Celery worker and beat on the embedded defaults
(SQLite, Kombu's filesystem broker), in a VAR_DIR of the test's own and a session of its
own. A Ctrl+C in a terminal is SIGINT to the foreground process group: here, the
launcher's group.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from outsourcing.tests.ports import free_port

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(),
    reason="finds the launcher's processes in /proc (Linux, as in CI)",
)

DEADLINE = 60.0  # seconds for anything the real processes do
# Tables made from the models, quicker than every migration. Within the test's seconds
# the beat may queue a job (send_outbox runs every two minutes): it must find its tables.
CREATE_TABLES = (
    "import django; from django.apps import apps; from django.conf import settings; "
    "from django.core.management import call_command; django.setup(); "
    "settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}; "
    "call_command('migrate', run_syncdb=True, verbosity=0)"
)


def embedded_defaults(var_dir: Path) -> dict[str, str]:
    """The environment of `make run` on a fresh laptop, whatever this run is given."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "outsourcing.settings",
        "DJANGO_DEBUG": "1",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "EMAIL_URL": "consolemail://",
        # Output in the log as it is written, not when a process exits.
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("var")
    subprocess.run(
        [sys.executable, "-c", CREATE_TABLES],
        cwd=settings.BASE_DIR,
        env=embedded_defaults(path),
        check=True,
        capture_output=True,
        timeout=DEADLINE,
    )
    return path


def session_processes(session: int) -> dict[int, str]:
    """The live processes of a session (zombies aside): pid and command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        # After "pid (name) ": state, parent, process group, session.
        state, _, _, sid = stat[stat.rindex(")") + 2 :].split()[:4]
        if int(sid) == session and state != "Z":
            found[int(entry.name)] = command
    return found


@dataclass
class Launched:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self, var_dir: Path) -> None:
        """The web server answers and the worker has started its beat."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make run ended while starting:\n{self.output()}")
            if list(var_dir.glob("celerybeat-schedule*")) and self.answers():
                return
            time.sleep(0.2)
        pytest.fail(f"make run did not start within {DEADLINE:.0f}s:\n{self.output()}")

    def answers(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/health/"
            with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310
                return bool(response.status == 200)
        except OSError:
            return False


@pytest.fixture
def launched(var_dir: Path, tmp_path: Path) -> Iterator[Launched]:
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "outsourcing.run", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=embedded_defaults(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    launched = Launched(process, log, port)
    try:
        launched.wait_until_up(var_dir)
        yield launched
    finally:
        # A failing test leaves nothing running either.
        for pid in session_processes(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=DEADLINE)


def stop_with(launched: Launched, send: Callable[[int], None]) -> tuple[int, str, str]:
    """Send the signal; the exit status, the output after it, and all the output."""
    started = launched.log.read_bytes()
    send(launched.process.pid)
    exit_status = launched.process.wait(timeout=DEADLINE)
    output = launched.log.read_bytes()
    return exit_status, output[len(started) :].decode(errors="replace"), launched.output()


def assert_stopped_cleanly(launched: Launched, exit_status: int, after: str, output: str) -> None:
    assert exit_status == 0, output
    assert "Stopping the web server and the worker..." in after
    assert len(after.splitlines()) < 20, after
    assert "Traceback" not in output
    assert "Segmentation" not in output
    assert session_processes(launched.process.pid) == {}
    assert not launched.answers()


def test_ctrl_c_stops_the_web_server_and_the_worker(launched: Launched) -> None:
    exit_status, after, output = stop_with(launched, lambda pid: os.killpg(pid, signal.SIGINT))

    assert_stopped_cleanly(launched, exit_status, after, output)


def test_sigterm_stops_the_web_server_and_the_worker(launched: Launched) -> None:
    exit_status, after, output = stop_with(launched, lambda pid: os.kill(pid, signal.SIGTERM))

    assert_stopped_cleanly(launched, exit_status, after, output)
