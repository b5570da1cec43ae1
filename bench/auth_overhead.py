"""Auth overhead: what checking credentials costs per request, alone and as a share of ingestion.

    python -m bench auth_overhead [--calls 50000] [--batches 40] [--batch 100] [--rounds 3]

1. The Authenticator alone: a cached HTTP Basic check, a cached Bearer (HS256) check and a no-op that returns a
   fixed caller, each called `--calls` times; plus one uncached Basic check (the scrypt hash).
2. Ingestion A/B: the same app in this process POSTs `--batches` batches of `--batch` statements, with the real
   Authenticator and with the no-op one, alternating for `--rounds` rounds; the overhead is the difference of the
   median round times. The bound from (1) — per-request check cost over per-request time — is printed as well,
   since on a busy machine the A/B difference is within noise.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import time
import uuid
from typing import Any

import jwt
import msgspec
from litestar.testing import AsyncTestClient

from bench._harness import Services, database, emit, machine, new_store, services, table
from lrs.app import create_app
from lrs.security.authn import Authenticator
from lrs.security.principal import Principal
from lrs.security.tokens import TokenConfig
from lrs.settings import Settings
from lrs.store import stores

BASE_URL = "http://bench.test"
JWT_SECRET = "bench-secret-" + "x" * 32


class NoAuthentication:
    """Stands in for the Authenticator: every request is the same caller, at no cost."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    async def authenticate(self, header: str | None) -> Principal:
        return self.principal

    def forget(self, key: str) -> None:
        return None


async def per_call(fn: Any, header: str, calls: int) -> float:
    """Seconds per call of `await fn(header)`, after one warming call."""
    await fn(header)
    started = time.perf_counter()
    for _ in range(calls):
        await fn(header)
    return (time.perf_counter() - started) / calls


def statements(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": f"mailto:learner{i % 200}@example.com", "name": f"Learner {i % 200}"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"id": f"http://example.com/activities/{i % 50}", "objectType": "Activity"},
        }
        for i in range(count)
    ]


async def ingest_round(client: AsyncTestClient[Any], headers: dict[str, str], batches: int, batch: int) -> float:
    bodies = [msgspec.json.encode(statements(batch)) for _ in range(batches)]
    started = time.perf_counter()
    for body in bodies:
        response = await client.post("/xapi/statements", content=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"POST failed: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings.from_env(
        {},
        database_url=svc.database_url,
        redis_url=svc.redis_url,
        public_url=BASE_URL,
        jwt_issuer="https://idp.bench",
        jwt_audience=BASE_URL,
        jwt_secret=JWT_SECRET,
    )
    async with database(svc) as pool:
        store_id, key, secret = await new_store(pool, BASE_URL)
        async with pool.acquire() as conn:
            store_name = next(s.name for s, _ in await stores.list_stores(conn) if s.id == store_id)
        basic = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        token = jwt.encode(
            {"iss": "https://idp.bench", "aud": BASE_URL, "sub": "bench", "exp": int(time.time()) + 3600,
             "lrs_store": store_name, "scope": "all"},
            JWT_SECRET,
            algorithm="HS256",
        )  # fmt: skip
        authenticator = Authenticator(pool, ttl=3600, tokens=TokenConfig.from_settings(settings))
        started = time.perf_counter()
        principal = await authenticator.authenticate(basic)
        uncached = time.perf_counter() - started
        noop = NoAuthentication(principal)
        basic_s = await per_call(authenticator.authenticate, basic, args.calls)
        bearer_s = await per_call(authenticator.authenticate, f"Bearer {token}", args.calls)
        noop_s = await per_call(noop.authenticate, basic, args.calls)

        app = create_app(settings)
        headers = {"Authorization": basic, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
        timings: dict[str, list[float]] = {"auth": [], "noop": []}
        async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
            real = app.state.authenticator
            await ingest_round(client, headers, 2, args.batch)  # warm up: caches, connections
            for _ in range(args.rounds):
                for name, auth in (("auth", real), ("noop", noop)):
                    app.state.authenticator = auth
                    timings[name].append(await ingest_round(client, headers, args.batches, args.batch))
            app.state.authenticator = real

    auth_round, noop_round = statistics.median(timings["auth"]), statistics.median(timings["noop"])
    request_s = noop_round / args.batches
    ab_overhead = (auth_round - noop_round) / noop_round
    noise = (max(timings["noop"]) - min(timings["noop"])) / noop_round
    bound = (basic_s - noop_s) / request_s
    per_s = args.batches * args.batch / auth_round
    print(f"\nauth overhead: {args.calls} calls per check; {args.rounds} rounds of {args.batches} x {args.batch}\n")
    print(
        table(
            [
                ("Basic, uncached (scrypt)", f"{uncached * 1000:.1f} ms"),
                ("Basic, cached", f"{basic_s * 1e6:.2f} us per request"),
                ("Bearer HS256, cached", f"{bearer_s * 1e6:.2f} us per request"),
                ("no-op", f"{noop_s * 1e6:.2f} us per request"),
                ("ingest with auth", f"{per_s:,.0f} statements/s (median round {auth_round:.2f} s)"),
                ("ingest without auth", f"median round {noop_round:.2f} s"),
                ("overhead, A/B", f"{ab_overhead * 100:+.2f} % (rounds without auth spread {noise * 100:.1f} %)"),
                ("overhead, bound", f"{bound * 100:.4f} % of a {request_s * 1000:.1f} ms request"),
            ]
        )
    )
    print()
    return {
        "bench": "auth_overhead",
        "basic_uncached_ms": round(uncached * 1000, 2),
        "basic_cached_us": round(basic_s * 1e6, 2),
        "bearer_cached_us": round(bearer_s * 1e6, 2),
        "noop_us": round(noop_s * 1e6, 3),
        "ingest_with_auth_per_s": round(per_s),
        "overhead_ab_pct": round(ab_overhead * 100, 2),
        "round_spread_pct": round(noise * 100, 2),
        "overhead_bound_pct": round(bound * 100, 4),
        "batch": args.batch,
        **machine(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench auth_overhead", description=__doc__)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0
