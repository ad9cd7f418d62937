"""Load that does not wait for the server: an open-loop driver of badge scans, and anonymous visitors looping on a
public page. Each runs in a process of its own (started by bench/checkin.py), so that neither slows the other's
clock, and prints one line of JSON when it is done.

The scan driver sends on a clock: request n is due at start + n / rate whatever the answers, each on a connection
of its own (gunicorn's sync workers close every connection after one answer, as they would a scanner's). Its
latency is counted from the moment it was due, not from when it went out: a server that stalls for 100 ms is
charged 100 ms for the first scan due then, 95 ms for the next, and so on, as the people in the queue at the door
would feel it (a driver that waits for answers would send nothing during the stall, and miss all of it: the
"coordinated omission" of closed-loop tools such as wrk). How late the driver itself sent (its own lag, on a busy
machine) is reported beside it.

The loopers are closed-loop on purpose: each of them asks again as soon as it has an answer, the worst a crowd of
anonymous visitors behind one address (one NAT) can do. They count the answers by status.

    python bench/openloop.py scans --port P --rate 200 --seconds 20 --warmup 3 --tokens FILE --first N
        (device token in BENCH_DEVICE)
    python bench/openloop.py loop --port P --path /events/bench/program.pdf --clients 32 --seconds 25
"""

import argparse
import asyncio
import json
import os
import secrets
import time

TIMEOUT = 10.0  # seconds: a scan not answered by then counts as an error, with this as its latency


async def exchange(port: int, request: bytes) -> int:
    """One request on a connection of its own; the status of the answer, read to its end."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        answer = await reader.read(-1)  # the server closes the connection after its answer (Connection: close)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def scan_request(port: int, path: str, token: str, device: str) -> bytes:
    body = json.dumps({"token": token, "checkpoint": "entrance", "nonce": secrets.token_hex(8)}).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {device}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


async def drive_scans(port: int, path: str, rate: float, seconds: float, warmup: float, tokens: list[str],
                      device: str) -> dict:
    loop = asyncio.get_running_loop()
    count = int((warmup + seconds) * rate)
    if len(tokens) < count:
        raise SystemExit(f"{count} scans need as many badges; {len(tokens)} given")
    latencies, lags = [], []
    # The warm-up's answers are counted apart: workers import lazily and fill their caches on the first requests.
    counted = {"statuses": {}, "errors": 0, "warmup_statuses": {}, "warmup_errors": 0}
    pending = set()

    async def one(number: int, due: float) -> None:
        sent = loop.time()
        try:
            status = await asyncio.wait_for(exchange(port, scan_request(port, path, tokens[number], device)), TIMEOUT)
        except (TimeoutError, OSError, ValueError, IndexError):
            status = None
        done = loop.time()
        warming = number < warmup * rate
        if not warming:
            latencies.append(done - due)
            lags.append(sent - due)
        if status is None:
            counted["warmup_errors" if warming else "errors"] += 1
        else:
            statuses = counted["warmup_statuses" if warming else "statuses"]
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    start = loop.time() + 0.05
    for number in range(count):
        due = start + number / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(one(number, due))  # never awaited here: the next scan is due regardless
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending)
    elapsed = loop.time() - start
    return {"latencies_ms": [round(value * 1000, 3) for value in latencies],
            "lag_ms": [round(value * 1000, 3) for value in lags],
            **counted, "sent": count, "elapsed_s": elapsed}


async def loop_on(port: int, path: str, clients: int, seconds: float) -> dict:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    statuses, errors = {}, 0
    stop = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        while time.monotonic() < stop:
            try:
                status = str(await asyncio.wait_for(exchange(port, request), TIMEOUT))
                statuses[status] = statuses.get(status, 0) + 1
            except (TimeoutError, OSError, ValueError, IndexError):
                errors += 1
                await asyncio.sleep(0.01)

    await asyncio.gather(*(client() for _ in range(clients)))
    return {"statuses": statuses, "errors": errors, "seconds": seconds}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(-(-share * len(ordered) // 100)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["scans", "loop"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/api/v1/events/bench/checkins")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--tokens")
    parser.add_argument("--first", type=int, default=0, help="the first badge of the file this run scans")
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    if args.mode == "scans":
        with open(args.tokens) as lines:
            tokens = lines.read().split()[args.first:]
        figures = asyncio.run(drive_scans(args.port, args.path, args.rate, args.seconds, args.warmup, tokens,
                                          os.environ["BENCH_DEVICE"]))
    else:
        figures = asyncio.run(loop_on(args.port, args.path, args.clients, args.seconds))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
