"""Load benchmark of ``kg serve`` beside the Oxigraph server, on the same data, in one run.

    python bench/load_bench.py --store STORE [--clients 100 500] [--requests 4] [--workers 2]

``STORE`` is a kg store (e.g. ``kg build ../shared/data/bbc-news/politics --store pol``).
Its quads are dumped and loaded into a fresh Oxigraph database (its default graph is the
union copy kg keeps, so both servers answer the same queries with the same rows). Then each
server in turn is started on 127.0.0.1 and, for each client count, that many clients start
at once and each sends ``--requests`` queries one after the other (a new connection for
each, as the simplest clients do; ``--keep-alive`` reuses one), cycling through a fixed mix
of the named queries and lookups. Reported per server and client count: requests, errors
(connection errors: refused, reset, closed or timed out; and HTTP statuses other than 200),
throughput, and latency p50 / p99 / max from the first byte sent to the last byte read.

During the largest run against kg serve, one more client sends its request head a byte a
second: the run reports when the server cut it off (its ``--request-timeout``, 10 s here)
and the same against Oxigraph. After the kg serve runs, the peak resident memory of each
worker process (``VmHWM``) is read and compared with the worker's memory cap.

Bounded: only 127.0.0.1, at most 1000 clients and 20 requests each, and each run is cut at
``--max-seconds`` (what has not finished then counts as errors). Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0
QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
NAMED = ("agreements", "members", "officials", "events", "commitments")
LOOKUPS = (
    "PREFIX schema: <https://schema.org/> SELECT ?p ?name WHERE { ?p a schema:Person ; schema:name ?name } "
    "ORDER BY ?name LIMIT 20",
    "PREFIX schema: <https://schema.org/> SELECT (COUNT(*) AS ?n) WHERE { ?p a schema:Person }",
    "ASK { ?s <https://schema.org/name> \"Tony Blair\" }",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bound, read and released)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    """Return once something accepts connections on ``port``; exits the benchmark if ``process`` ends
    first or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"load_bench: the server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.1)
    raise SystemExit(f"load_bench: nothing listens on port {port} after {seconds:g} s")


def stop(process: subprocess.Popen) -> None:
    """End ``process`` if it still runs: SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def oxigraph_executable() -> str:
    """The path of the ``oxigraph`` server command; exits the benchmark when it is not installed."""
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("load_bench: the oxigraph server CLI is missing: pip install oxigraph (in the test extra)")
    return found


# --- a small HTTP/1.1 client on asyncio ------------------------------------------------------------


class ConnectionFailed(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep-alive) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size + 2)
            body = body[:-2]
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return status, body, headers.get("connection", "").lower() != "close"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    connection_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    unfinished: int = 0

    def connection_error(self, kind: str) -> None:
        """Count one connection error of ``kind``."""
        self.connection_errors[kind] = self.connection_errors.get(kind, 0) + 1


def request_bytes(path: str, port: int, query: str, keep_alive: bool) -> bytes:
    """The bytes of a GET request for ``query`` at ``path``, asking for SPARQL JSON results."""
    target = f"{path}?{urllib.parse.urlencode({'query': query})}"
    return (f"GET {target} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/sparql-results+json\r\n"
            f"User-Agent: kg-load-bench\r\nConnection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
            ).encode("latin-1")


async def client(index: int, port: int, path: str, queries: list[str], requests: int, keep_alive: bool,
                 start: asyncio.Event, stats: Stats) -> None:
    """One client: wait for ``start``, then send ``requests`` queries from the mix in turn, recording
    each latency and status, or the kind of connection error, in ``stats``."""
    await start.wait()
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    for number in range(requests):
        query = queries[(index + number) % len(queries)]
        began = time.perf_counter()
        try:
            if connection is None:
                try:
                    connection = await asyncio.wait_for(asyncio.open_connection(HOST, port), 60)
                except (OSError, TimeoutError) as error:
                    raise ConnectionFailed(f"connect: {type(error).__name__}") from None
            reader, writer = connection
            writer.write(request_bytes(path, port, query, keep_alive))
            await writer.drain()
            status, _body, server_keeps = await asyncio.wait_for(read_response(reader), 120)
        except ConnectionFailed as error:
            stats.connection_error(str(error))
            connection = None
            continue
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as error:
            stats.connection_error(type(error).__name__)
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        stats.latencies.append(time.perf_counter() - began)
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if not (keep_alive and server_keeps):
            connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


async def slow_client(port: int, path: str, seconds: float) -> float | None:
    """Send a request head a byte a second; seconds until the server closed, None if it did not."""
    reader, writer = await asyncio.open_connection(HOST, port)
    head = request_bytes(path, port, "ASK {}", False)[:-2] + b"X-Slow: " + b"a" * 1000
    began = time.perf_counter()
    try:
        for byte in head:
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    break
            if time.perf_counter() - began > seconds:
                return None
        return time.perf_counter() - began
    except OSError:
        return time.perf_counter() - began
    finally:
        writer.close()


async def load(port: int, path: str, queries: list[str], clients: int, requests: int, keep_alive: bool,
               max_seconds: float, slow: float | None) -> tuple[Stats, float, float | None | str]:
    """One run of ``clients`` clients at once, cut after ``max_seconds``; with ``slow``, also the slow
    client. (stats, wall seconds, seconds until the slow client was cut: None if never, "not run")."""
    stats = Stats()
    start = asyncio.Event()
    tasks = [asyncio.create_task(client(i, port, path, queries, requests, keep_alive, start, stats))
             for i in range(clients)]
    slow_task = asyncio.create_task(slow_client(port, path, slow)) if slow else None
    await asyncio.sleep(0.2)
    began = time.perf_counter()
    start.set()
    done, pending = await asyncio.wait(tasks, timeout=max_seconds)
    wall = time.perf_counter() - began
    for task in pending:
        task.cancel()
    stats.unfinished = clients * requests - len(stats.latencies) - sum(stats.connection_errors.values())
    cut: float | None | str = "not run"
    if slow_task is not None:
        try:
            cut = await asyncio.wait_for(slow_task, (slow or 0) + 5)
        except TimeoutError:
            cut = None
    return stats, wall, cut


# --- the servers ---------------------------------------------------------------------------------------


def start_kg(store: Path, workers: int, time_limit: float) -> tuple[subprocess.Popen, int]:
    """Start ``kg serve`` on the store on a free port and wait until it listens; (process, port)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port), "--quiet",
         "--workers", str(workers), "--timeout", str(time_limit), "--request-timeout", str(REQUEST_TIMEOUT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_port(port, process)
    return process, port


def start_oxigraph(location: Path, time_limit: float) -> tuple[subprocess.Popen, int]:
    """Start a read-only Oxigraph server over ``location`` on a free port; (process, port) once it is up."""
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_executable(), "serve-read-only", "--location", str(location), "--bind", f"{HOST}:{port}",
         "--timeout-s", str(int(time_limit))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, port


def copy_into_oxigraph(store: Path, target: Path) -> None:
    """Dump the kg store's quads as N-Quads and load them into a new Oxigraph database at ``target``."""
    import pyoxigraph as ox

    dump = target.parent / "dump.nq"
    ox.Store.read_only(str(store)).dump(str(dump), ox.RdfFormat.N_QUADS)
    subprocess.run([oxigraph_executable(), "load", "--location", str(target), "--file", str(dump)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dump.unlink()


def children(pid: int) -> list[int]:
    """The ids of the child processes of ``pid``, over all its threads (from /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def status_kib(pid: int, key: str) -> int:
    """The value in KiB of field ``key`` (e.g. ``VmHWM``) of /proc/PID/status, 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def answer_size(port: int, path: str, query: str) -> str:
    """The size of the answer to ``query``: the boolean of an ASK, else the number of rows, as text."""
    import urllib.request

    request = urllib.request.Request(f"http://{HOST}:{port}{path}?{urllib.parse.urlencode({'query': query})}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        document = json.loads(response.read())
    return str(document["boolean"]) if "boolean" in document else str(len(document["results"]["bindings"]))


# --- the report -----------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0..1) of the sorted ``values``; NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def row(server: str, clients: int, requests: int, stats: Stats, wall: float) -> dict[str, object]:
    """The report row of one run: errors, other HTTP statuses, requests/s and latency p50/p99/max in ms."""
    ok = stats.statuses.get(200, 0)
    return {
        "server": server, "clients": clients, "requests": clients * requests,
        "connection_errors": sum(stats.connection_errors.values()) + stats.unfinished,
        "connection_error_kinds": dict(stats.connection_errors, **({"unfinished": stats.unfinished}
                                                                 if stats.unfinished else {})),
        "http_errors": {code: n for code, n in stats.statuses.items() if code != 200},
        "throughput": ok / wall if wall else 0.0,
        "p50_ms": percentile(stats.latencies, 0.50) * 1000, "p99_ms": percentile(stats.latencies, 0.99) * 1000,
        "max_ms": max(stats.latencies, default=float("nan")) * 1000, "wall_s": wall,
    }


def main(argv: list[str] | None = None) -> int:
    """Load the kg store into Oxigraph, run the client counts against each server, and print the table
    of errors, throughput and latency with the slow-client and worker-memory figures; 0 when run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="a kg store (a directory)")
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--requests", type=int, default=4, help="requests per client (default: 4)")
    parser.add_argument("--workers", type=int, default=2, help="kg serve --workers (default: 2)")
    parser.add_argument("--time-limit", type=float, default=60, help="both servers' query time limit (default: 60)")
    parser.add_argument("--keep-alive", action="store_true", help="one connection per client, not per request")
    parser.add_argument("--max-seconds", type=float, default=300, help="cut each run after this long (default: 300)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not (args.store / "CURRENT").exists():
        parser.error(f"{args.store}: not a kg store (no engine files)")
    if not all(1 <= c <= 1000 for c in args.clients) or not 1 <= args.requests <= 20:
        parser.error("--clients must be 1..1000 and --requests 1..20")
    queries = [(QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8") for name in NAMED] + list(LOOKUPS)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {len(queries)} queries; "
          f"{'keep-alive' if args.keep_alive else 'a new connection per request'}", file=sys.stderr)
    results: list[dict[str, object]] = []
    sizes: dict[str, list[str]] = {}
    extras: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kg-load-bench-") as scratch:
        oxigraph_db = Path(scratch) / "oxigraph"
        copy_into_oxigraph(args.store, oxigraph_db)
        for server in ("kg serve", "oxigraph"):
            if server == "kg serve":
                process, port = start_kg(args.store, args.workers, args.time_limit)
                path = "/sparql"
            else:
                process, port = start_oxigraph(oxigraph_db, args.time_limit)
                path = "/query"
            try:
                sizes[server] = [answer_size(port, path, q) for q in queries]  # and a warm-up
                for clients in args.clients:
                    slow = REQUEST_TIMEOUT * 3 if clients == max(args.clients) else None
                    stats, wall, cut = asyncio.run(load(port, path, queries, clients, args.requests,
                                                        args.keep_alive, args.max_seconds, slow))
                    results.append(row(server, clients, args.requests, stats, wall))
                    if slow:
                        extras[f"{server}: slow client cut after (s)"] = cut if cut is None or isinstance(cut, str) \
                            else round(cut, 1)
                    print(f"{server}: {clients} clients done in {wall:.1f} s", file=sys.stderr)
                if server == "kg serve":
                    workers = [p for p in children(process.pid)
                               if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
                    extras["kg serve: worker peak RSS (MiB)"] = [round(status_kib(p, "VmHWM") / 1024) for p in workers]
                    extras["kg serve: worker heap at the end (MiB)"] = [round(status_kib(p, "VmData") / 1024)
                                                                  for p in workers]
            finally:
                stop(process)
    agree = sizes["kg serve"] == sizes["oxigraph"]
    print(f"\nanswers agree (rows per query): {agree} {sizes['kg serve']}"
          + ("" if agree else f" vs oxigraph {sizes['oxigraph']}"))
    print("\n| server | clients | requests | connection errors | other HTTP statuses | requests/s | p50 ms | "
          "p99 ms | max ms |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in results:
        statuses = ", ".join(f"{n}× {code}" for code, n in sorted(r["http_errors"].items())) or "none"  # type: ignore[attr-defined]
        print(f"| {r['server']} | {r['clients']} | {r['requests']} | {r['connection_errors']} | {statuses} | "
              f"{r['throughput']:.0f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']:.0f} |")
    for clients in args.clients:
        mine = next(r for r in results if r["server"] == "kg serve" and r["clients"] == clients)
        theirs = next(r for r in results if r["server"] == "oxigraph" and r["clients"] == clients)
        print(f"p99 at {clients} clients: kg serve / oxigraph = {mine['p99_ms'] / theirs['p99_ms']:.2f}"  # type: ignore[operator]
              f"; connection errors: {mine['connection_error_kinds'] or 'none'} / "
              f"{theirs['connection_error_kinds'] or 'none'}")
    for key, value in extras.items():
        print(f"{key}: {value}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "extras": extras, "agree": agree}, indent=2,
                                        default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
