"""The first pass of an import: every statement of a file is validated (and, for a direct import, checked
against what the store holds) before anything is written. Valid statements are spooled for the second pass.

Rejected: a statement `lrs.xapi` refuses, an id used twice in the file (as in one POST batch), or an id the
store holds with different content. Reported through `report` as they are found.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from lrs.bulk.chunks import ChunkRunner, batched
from lrs.bulk.preparing import ChunkJob, ChunkResult, Reject, decode_prepared
from lrs.bulk.progress import ProgressBar
from lrs.bulk.sources import StatementFile, UnreadableFile
from lrs.bulk.spool import Spool
from lrs.bulk.writer import equivalent_to_stored

Probe = Callable[[list[str]], Awaitable[dict[str, str]]]
"""Given ids, the payloads of those the store already holds (id → stored JSON)."""


@dataclass
class CheckResult:
    last_ordinal: int = 0
    """Records in the file (all of them, including those before the resume point)."""
    last_line: int = 0
    checked: int = 0
    valid: int = 0
    rejected: int = 0
    unchanged: int = 0
    """Valid statements the store already holds (equivalent): writing them is a no-op."""
    skip: set[int] = field(default_factory=set)
    """Ordinals of rejected records."""
    unreadable: bool = False


@dataclass(frozen=True)
class CheckPlan:
    path: Path
    digest: str
    version: str
    authority: dict[str, Any] | None
    batch: int
    start_after: int


async def check_file(
    plan: CheckPlan,
    *,
    runner: ChunkRunner,
    spool: Spool,
    report: Callable[[Reject], None],
    bar: ProgressBar,
    probe: Probe | None,
) -> CheckResult:
    result = CheckResult(last_ordinal=plan.start_after)
    seen: dict[int, int] = {}
    with StatementFile(plan.path) as source:

        def jobs() -> Iterator[ChunkJob]:
            records = (r for r in source.records() if r.ordinal > plan.start_after)
            for chunk in batched(records, plan.batch):
                yield ChunkJob([(r.ordinal, r.line, r.data) for r in chunk], plan.version, plan.digest, plan.authority)

        try:
            async for chunk in runner.results(jobs()):
                duplicates = _duplicates(chunk, seen)
                rejects = list(chunk.rejects) + duplicates
                if probe is not None:
                    rejects += await _conflicts(chunk, probe, result, {r.ordinal for r in duplicates})
                for reject in sorted(rejects, key=lambda r: r.ordinal):
                    report(reject)
                    result.skip.add(reject.ordinal)
                count = len(chunk.ids) + len(chunk.rejects)
                result.checked += count
                result.rejected += len(rejects)
                result.valid += count - len(rejects)
                last = max([o for o, _, _ in chunk.ids] + [r.ordinal for r in chunk.rejects])
                last_line = max([line for _, line, _ in chunk.ids] + [r.line for r in chunk.rejects])
                result.last_ordinal, result.last_line = last, last_line
                spool.append(chunk.rows, last, last_line)
                bar.update(result.checked, fraction=source.consumed() / source.size if source.size else 1.0)
        except UnreadableFile as exc:
            report(Reject(0, exc.line, exc.message, "$"))
            result.unreadable = True
            result.rejected += 1
    return result


def _duplicates(chunk: ChunkResult, seen: dict[int, int]) -> list[Reject]:
    rejects = []
    for ordinal, line, statement_id in chunk.ids:
        key = uuid.UUID(statement_id).int
        first = seen.get(key)
        if first is None:
            seen[key] = line
        else:
            rejects.append(
                Reject(ordinal, line, f"statement id {statement_id} is used already on line {first}", "$.id")
            )
    return rejects


async def _conflicts(chunk: ChunkResult, probe: Probe, result: CheckResult, duplicates: set[int]) -> list[Reject]:
    stored = await probe([statement_id for _, _, statement_id in chunk.ids])
    if not stored:
        return []
    rejects = []
    for row in decode_prepared(chunk.rows):
        previous = stored.get(row.id)
        if previous is None or row.ordinal in duplicates:
            continue
        if equivalent_to_stored(msgspec.json.decode(previous), row):
            result.unchanged += 1
        else:
            reason = f"statement id {row.id} is stored already with different content"
            rejects.append(Reject(row.ordinal, row.line, reason, "$.id"))
    return rejects
