"""Load benchmark on loopback, bounded in time and request count: civility on one machine
(a: SQLite + in-process worker), civility spread out (b: PostgreSQL + procrastinate, 2 web
processes + 2 workers, Redis) and Isso (its own venv, moderation on) under the same load.

    python bench/load.py                      # all three, ~10 s per phase
    python bench/load.py --setups a,isso --duration 5 --concurrency 16

Write path: POST a comment (accepted/s, p50/p99), then the time until every accepted comment is
scored (scored/s). Read path: a thread of N approved comments, first and later pages (req/s, p99).
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 6379 for setup b, bench/.venv-isso for Isso.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as pyplatform
import random
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cpu  # noqa: E402
from rawhttp import RawClient  # noqa: E402
from servers import (  # noqa: E402
    PG_ADMIN,
    REDIS_URL,
    Server,
    civility_env,
    drop_pg_database,
    free_port,
    make_pg_database,
    seed_civility,
    seed_isso,
    start_isso,
)

TEXTS = [
    "The council should publish the full budget before the vote, not after it.",
    "Good reporting. I would like to know who pays for the new bridge though.",
    "This article misses the point: rents went up because wages did not.",
    "You are an idiot if you believe a word of this.",
    "Buy cheap followers now at my channel, link in my profile!!!",
    "I disagree with the editorial line here, but thanks for giving both sides.",
    "The numbers in the third paragraph do not add up; can you check them?",
    "My grandfather worked at that factory for forty years. Sad to see it close.",
    "Shut up, nobody asked for your stupid opinion.",
    "What does the minister say about the schools in the north?",
]


@dataclass
class Phase:
    name: str
    requests: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    extra: dict[str, float | str] = field(default_factory=dict)
    cores: dict[str, float] = field(default_factory=dict)  # CPU cores used per part during the phase


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


CPU_BY_NAME = {"redis-server": "redis"}
CLIENT = {"kind": "raw"}  # "raw": bench/rawhttp.py (cheap per request); "httpx": httpx.AsyncClient
NOT_SERVER = {"loadgen", "machine"}


async def drive(
    name: str,
    base: str,
    make_request,
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    ok_codes: set[int],
    roots: dict[str, list[int]] | None = None,
) -> Phase:
    """Fixed concurrency: ``concurrency`` loops each send one request at a time until the time
    or the request budget is spent. Latency is measured per request on the client."""
    phase = Phase(name)
    latencies: list[float] = []
    budget = [max_requests]
    roots = {**(roots or {}), "loadgen": [os.getpid()]}
    cpu_before = cpu.snapshot(roots, CPU_BY_NAME)
    if CLIENT["kind"] == "raw":
        raw = [RawClient(base) for _ in range(concurrency)]

        async def send(worker: int, method: str, url: str, kwargs: dict):
            return (await raw[worker].request(method, url, **kwargs))[0]
    else:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0)

        async def send(worker: int, method: str, url: str, kwargs: dict):
            resp = await client.request(method, url, **kwargs)
            client.cookies.clear()  # one reader per request: no cookie jar growing over the run
            return resp.status_code

    start = time.perf_counter()
    stop_at = start + duration

    async def loop(worker: int) -> None:
        n = 0
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            method, url, kwargs = make_request(worker, n)
            n += 1
            t0 = time.perf_counter()
            try:
                code = await send(worker, method, url, kwargs)
            except (httpx.HTTPError, OSError, asyncio.TimeoutError, ValueError) as exc:
                code = type(exc).__name__
            elapsed = time.perf_counter() - t0
            phase.requests += 1
            if code in ok_codes:
                phase.ok += 1
                latencies.append(elapsed)
            else:
                phase.errors[str(code)] = phase.errors.get(str(code), 0) + 1

    try:
        await asyncio.gather(*(loop(i) for i in range(concurrency)))
        phase.seconds = time.perf_counter() - start
    finally:
        if CLIENT["kind"] == "raw":
            for c in raw:
                await c.close()
        else:
            await client.aclose()
    phase.cores = cpu.used(cpu_before, cpu.snapshot(roots, CPU_BY_NAME), phase.seconds)
    phase.rps = phase.ok / phase.seconds if phase.seconds else 0.0
    server_cores = sum(v for k, v in phase.cores.items() if k not in NOT_SERVER)
    phase.extra["server_cpu_ms_per_ok"] = round(server_cores * phase.seconds * 1000 / max(phase.ok, 1), 2)
    phase.p50_ms = percentile(latencies, 0.50) * 1000
    phase.p99_ms = percentile(latencies, 0.99) * 1000
    return phase


def comment_body(worker: int, n: int, run: str) -> dict[str, str]:
    text = TEXTS[(worker * 7 + n) % len(TEXTS)]
    return {"name": f"Reader {worker}-{n}", "email": f"r{worker}x{n}.{run}@example.org", "text": f"{text} ({n})"}


async def civility_phases(label: str, base: str, args, scored_probe, roots: dict[str, list[int]]) -> list[Phase]:
    run = uuid.uuid4().hex[:6]

    def post(worker: int, n: int):
        return (
            "POST",
            "/api/articles/fresh/comments",
            {"json": comment_body(worker, n, run), "headers": {"Idempotency-Key": f"{run}-{worker}-{n}"}},
        )

    await warm_up(base, "/api/articles/big/comments")
    # Warm the write path too: the first scored comment loads the engine in the in-process worker.
    warm = await drive(
        f"{label} warm-up",
        base,
        lambda w, n: ("POST", "/api/articles/warmup/comments", {"json": comment_body(w, n, run + "w")}),
        concurrency=4,
        duration=30,
        max_requests=8,
        ok_codes={201, 202},
    )
    scored_probe(warm.ok, args.drain_timeout, article_id="warmup")
    before = cpu.snapshot(roots, CPU_BY_NAME)
    write = await drive(
        f"{label} POST comment",
        base,
        post,
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok_codes={201, 202},
        roots=roots,
    )
    write.extra.update(scored_probe(write.ok, args.drain_timeout))
    # CPU of the whole write path, storing and scoring, per comment: posted until the last is scored.
    spent = cpu.used(before, cpu.snapshot(roots, CPU_BY_NAME), 1.0)
    write.extra["server_cpu_ms_per_scored"] = round(
        sum(v for k, v in spent.items() if k not in NOT_SERVER) * 1000 / max(int(write.extra["scored"]), 1), 2
    )

    cursors = await collect_cursors(base, pages=20)

    def api(worker: int, n: int):
        after = None if n % 5 else random.choice(cursors)  # 1 in 5 asks for a later page
        return ("GET", "/api/articles/big/comments", {"params": {"after": after} if after else {}})

    def page(worker: int, n: int):
        return ("GET", "/articles/big", {})

    read_api = await drive(
        f"{label} GET comments API",
        base,
        api,
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok_codes={200},
        roots=roots,
    )
    read_page = await drive(
        f"{label} GET article page",
        base,
        page,
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok_codes={200},
        roots=roots,
    )
    return [write, read_api, read_page]


async def isso_phases(base: str, args, roots: dict[str, list[int]]) -> list[Phase]:
    run = uuid.uuid4().hex[:6]

    def post(worker: int, n: int):
        body = comment_body(worker, n, run)
        return (
            "POST",
            "/new",
            {
                "params": {"uri": "/fresh-story/"},
                "json": {"author": body["name"], "email": body["email"], "text": body["text"]},
            },
        )

    await warm_up(base, "/?uri=/big-story/&limit=50&nested_limit=0")
    write = await drive(
        "Isso POST comment",
        base,
        post,
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok_codes={201, 202},
        roots=roots,
    )

    def thread(worker: int, n: int):
        offset = 0 if n % 5 else 50 * random.randint(1, 20)  # the same 1-in-5 later pages
        return ("GET", "/", {"params": {"uri": "/big-story/", "limit": 50, "nested_limit": 0, "offset": offset}})

    read = await drive(
        "Isso GET thread",
        base,
        thread,
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok_codes={200},
        roots=roots,
    )
    return [write, read]


async def warm_up(base: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        for _ in range(20):
            await client.get(path)


async def collect_cursors(base: str, pages: int) -> list[str]:
    cursors: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        after = None
        for _ in range(pages):
            data = (await client.get("/api/articles/big/comments", params={"after": after} if after else {})).json()
            after = data.get("next_cursor")
            if not after:
                break
            cursors.append(after)
    return cursors


def run_setup_a(args, stack: ExitStack, tmp: Path) -> list[Phase]:
    url = f"sqlite:///{tmp / 'civility-a.db'}"
    probe = seed_civility(url, args.comments)
    port = free_port()
    env = civility_env(url, moderation=args.moderation, model_dir=args.model_dir)
    web = stack.enter_context(
        Server(
            "civility-a",
            [sys.executable, "-m", "civility", "serve", "--port", str(port), "--log-level", "warning"],
            env,
            tmp,
            f"http://127.0.0.1:{port}/healthz",
        )
    )
    roots = {"web+worker": [web.proc.pid]}
    return asyncio.run(civility_phases("a", f"http://127.0.0.1:{port}", args, probe.scored, roots))


def run_setup_b(args, stack: ExitStack, tmp: Path) -> list[Phase]:
    url = make_pg_database(PG_ADMIN)
    stack.callback(drop_pg_database, PG_ADMIN, url)
    probe = seed_civility(url, args.comments)
    port = free_port()
    env = civility_env(
        url, moderation=args.moderation, model_dir=args.model_dir, queue="procrastinate", redis_url=REDIS_URL
    )
    web = stack.enter_context(
        Server(
            "civility-b-web",
            [
                sys.executable,
                "-m",
                "civility",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            env,
            tmp,
            f"http://127.0.0.1:{port}/healthz",
        )
    )
    workers = [
        stack.enter_context(
            Server(f"civility-b-worker{i}", [sys.executable, "-m", "civility", "worker"], env, tmp, None)
        )
        for i in range(2)
    ]
    wait_for_workers(url, 2)
    roots = {"web": [web.proc.pid], "workers": [w.proc.pid for w in workers], "postgres": postgres_backends(url)}
    return asyncio.run(civility_phases("b", f"http://127.0.0.1:{port}", args, probe.scored, roots))


def wait_for_workers(url: str, count: int, timeout: float = 90.0) -> None:
    import psycopg

    from civility.jobs.procrastinate_queue import libpq_url

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('procrastinate_workers')").fetchone()[0] is not None:
                if conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0] >= count:
                    return
        time.sleep(0.5)
    raise RuntimeError(f"{count} procrastinate workers did not start in {timeout} s")


def postgres_backends(url: str):
    """A callable: pids of the PostgreSQL backends connected to the benchmark's database now."""
    import psycopg

    name = url.rsplit("/", 1)[1]

    def pids() -> list[int]:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]

    return pids


def run_isso(args, stack: ExitStack, tmp: Path) -> list[Phase]:
    cfg = seed_isso(tmp, args.comments)
    port = free_port()
    isso = stack.enter_context(start_isso(cfg, port, tmp, workers=2))
    return asyncio.run(isso_phases(f"http://127.0.0.1:{port}", args, {"isso": [isso.proc.pid]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="a,b,isso", help="comma-separated: a, b, isso")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (upper bound)")
    parser.add_argument("--max-requests", type=int, default=20000, help="requests per phase (upper bound)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    parser.add_argument("--comments", type=int, default=10000, help="approved comments on the big thread")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="max seconds to wait for scoring")
    parser.add_argument("--moderation", default="auto", choices=("auto", "hold"))
    parser.add_argument("--model-dir", default="", help="model artifact (default: the one shipped in the package)")
    parser.add_argument(
        "--client",
        default="raw",
        choices=("raw", "httpx"),
        help="load generator's HTTP client (raw costs a fraction of httpx's CPU per request)",
    )
    parser.add_argument("--logs", default=None, help="keep server logs and databases in this folder")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    CLIENT["kind"] = args.client
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    runners = {"a": run_setup_a, "b": run_setup_b, "isso": run_isso}
    results: dict[str, list[Phase]] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="civility-bench-") as tmpdir:
        tmpdir = args.logs or tmpdir
        for name in setups:
            with ExitStack() as stack:
                print(f"== {name}", flush=True)
                results[name] = runners[name](args, stack, Path(tmpdir))
                for phase in results[name]:
                    print(json.dumps(asdict(phase)), flush=True)
    report(results, args, load_before)


def report(results: dict[str, list[Phase]], args, load_before) -> None:
    print()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {pyplatform.node()}  cores={os.cpu_count()}  "
        f"load before={load_before[0]:.2f} after={os.getloadavg()[0]:.2f}  concurrency={args.concurrency} "
        f"duration={args.duration}s moderation={args.moderation} client={args.client}"
    )
    print(
        "| setup | phase | ok req | req/s | p50 ms | p99 ms | scored/s | server CPU ms/req | CPU cores used | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for phases in results.values():
        for p in phases:
            scored = p.extra.get("scored_per_s")
            print(
                f"| {p.name.split(' ')[0]} | {' '.join(p.name.split(' ')[1:])} | {p.ok} | {p.rps:.1f} | "
                f"{p.p50_ms:.1f} | {p.p99_ms:.1f} | {'' if scored is None else f'{scored:.1f}'} | "
                f"{p.extra['server_cpu_ms_per_ok']:.1f} | "
                f"{' '.join(f'{k} {v:.2f}' for k, v in sorted(p.cores.items()))} | {p.errors or ''} |"
            )
    isso = {p.name: p for p in results.get("isso", [])}
    if isso:
        print()
        for name in ("a", "b"):
            if name not in results:
                continue
            write, api, page = results[name]
            iw, ir = isso["Isso POST comment"], isso["Isso GET thread"]
            scored = write.extra.get("scored_per_s", 0.0)
            print(
                f"{name}/Isso: write accepted {write.rps / iw.rps:.2f}x, write scored {scored / iw.rps:.2f}x, "
                f"comments API {api.rps / ir.rps:.2f}x, article page {page.rps / ir.rps:.2f}x"
            )
    if args.json:
        args.json.write_text(json.dumps({k: [asdict(p) for p in v] for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
