"""Updates per second: one and two instances on PostgreSQL, and one on SQLite, from the same load.

Each instance is a real `python -m bot` process in webhook mode; the Bot API is the test emulator
(HTTP on 127.0.0.1, in this process). The load: USERS people each walk the questionnaire by
typing (/start and 18 answers), all at once; each person's next update is posted when the answer
to the previous one came back (as Telegram does for one chat), to the instances in turn, so with
two instances a person's consecutive updates land on different instances. The figure is updates
answered per second of wall time.

    .venv/bin/python bench/bench_scale.py [--users 50] [--database-url postgresql://...]

Everything shares this machine's cores (the emulator, the driver, PostgreSQL and the
instances), so the two-instance figure is bounded by them: printed with the core count and the
CPU seconds the instances and the emulator used (PostgreSQL's own are not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from tests.instances.conftest import TYPED_ANSWERS  # noqa: E402
from tests.telegram_emulator import BotApiEmulator  # noqa: E402

SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_instance(emu: BotApiEmulator, db_url: str, port: int, log: Path) -> subprocess.Popen:
    ours = ("TELEGRAM_", "BOT_", "WEBHOOK_", "BROADCAST_", "DATABASE_", "UPDATE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_API_BASE_URL=emu.base_url,
        DATABASE_URL=db_url,
        BOT_MODE="webhook",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
        LOG_LEVEL="WARNING",
        MAX_CONCURRENT_UPDATES="256",
    )
    out = open(log, "ab")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT)  # fmt: skip
    out.close()
    return proc


async def wait_healthy(client: httpx.AsyncClient, proc: subprocess.Popen, port: int) -> None:
    for _ in range(400):
        if proc.poll() is not None:
            raise SystemExit(f"instance on port {port} exited")
        with contextlib.suppress(httpx.HTTPError):
            r = await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if r.status_code == 200 and r.json().get("ok"):
                return
        await asyncio.sleep(0.05)
    raise SystemExit(f"instance on port {port} did not start")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run(name: str, db_url: str, instances: int, users: int, base_id: int) -> float:
    cpu_before = children_cpu()
    async with BotApiEmulator(record_requests=False) as emu:
        ports = [free_port() for _ in range(instances)]
        logdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        procs = [start_instance(emu, db_url, p, logdir / f"{p}.log") for p in ports]
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            try:
                for proc, port in zip(procs, ports, strict=True):
                    await wait_healthy(client, proc, port)
                emu.set_webhook(None, False)  # updates stay queued: this driver posts them
                people = [emu.user(id=base_id + i, first_name=f"P{i}") for i in range(users)]
                for person in people:
                    for text in ["/start", *TYPED_ANSWERS]:
                        await person.send(text)
                queued: dict[int, list[dict]] = {p.id: [] for p in people}
                for update in list(emu.pending):
                    queued[update["message"]["from"]["id"]].append(update)
                emu.pending.clear()
                urls = [f"http://127.0.0.1:{p}/hook" for p in ports]
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                counter = iter(range(10**9))

                async def post(url: str, update: dict) -> None:
                    for attempt in range(3):
                        try:
                            r = await client.post(url, json=update, headers=headers)
                        except (httpx.ReadError, httpx.RemoteProtocolError):
                            # a keep-alive connection the server closed as it was reused:
                            # resent as Telegram would (the inbox would drop a duplicate)
                            if attempt == 2:
                                raise
                            continue
                        r.raise_for_status()
                        return

                async def walk(updates: list[dict]) -> None:
                    for update in updates:
                        await post(urls[next(counter) % len(urls)], update)

                start = time.perf_counter()
                driver_cpu = time.process_time()
                await asyncio.gather(*(walk(u) for u in queued.values()))
                elapsed = time.perf_counter() - start
                driver_cpu = time.process_time() - driver_cpu
            finally:
                for proc in procs:
                    proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    try:
                        await asyncio.to_thread(proc.wait, 20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
        total = sum(len(u) for u in queued.values())
        rate = total / elapsed
        bots_cpu = children_cpu() - cpu_before  # includes their start-up
        print(f"{name:<26} {total:>6} updates in {elapsed:6.2f} s {rate:7.1f} updates/s"
              f"  (CPU s: instances {bots_cpu:5.1f}, emulator+driver {driver_cpu:5.1f})",
              flush=True)  # fmt: skip
        return rate


def pg_schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def fresh_schema(url: str):
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_schema_url(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def main_async(args: argparse.Namespace) -> None:
    print(f"bench_scale: {args.users} people x {len(TYPED_ANSWERS) + 1} updates each, "
          f"{os.cpu_count()} cores, PostgreSQL at {args.database_url}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = await run("SQLite, 1 instance", f"sqlite:///{tmp}/bot.sqlite3", 1,
                           args.users, 10_000_000)  # fmt: skip
    with fresh_schema(args.database_url) as url:
        pg1 = await run("PostgreSQL, 1 instance", url, 1, args.users, 20_000_000)
    with fresh_schema(args.database_url) as url:
        pg2 = await run("PostgreSQL, 2 instances", url, 2, args.users, 30_000_000)
    print(f"ratios: PostgreSQL 2/1 instances = {pg2 / pg1:.2f}x; "
          f"PostgreSQL 1 instance / SQLite = {pg1 / sqlite:.2f}x; "
          f"PostgreSQL 2 instances / SQLite = {pg2 / sqlite:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
