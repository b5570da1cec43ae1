"""`lrs export`: a store's statements as NDJSON, in stored order, in constant memory.

Statements are read with the GET /statements query (`query_statements`: the same filters, the StatementRef
rule, voided statements left out), ascending and keyset-paged by sequence number, and written as stored
(`format=exact`), one per line. New statements stored while the export runs are included when they come after
the last page read; the export ends when a page comes back short.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import asyncpg

from lrs.store.statements import StatementQuery, query_statements
from lrs.xapi import (
    ACTIVITY_FILTER_USAGES,
    AGENT_FILTER_USAGES,
    agent_ifi,
    parse_agent_param,
    parse_timestamp_param,
    validate_iri,
    validate_uuid,
)

PAGE = 1000


@dataclass(frozen=True)
class ExportFilters:
    """The GET /statements filters, as given on the command line (validated by `to_query`)."""

    agent: str | None = None
    """JSON of an Agent or identified Group."""
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    since: str | None = None
    until: str | None = None
    related_agents: bool = False
    related_activities: bool = False

    def to_query(self, version: str = "2.0.0") -> StatementQuery:
        """The query; a ValidationError names the option at fault (as a GET names the parameter)."""
        query = StatementQuery(ascending=True, limit=PAGE)
        if self.agent is not None:
            query.agent = agent_ifi(parse_agent_param(self.agent, version, "agent"))
            query.agent_usages = None if self.related_agents else tuple(sorted(AGENT_FILTER_USAGES))
        if self.verb is not None:
            query.verb = validate_iri(self.verb, path="verb")
        if self.activity is not None:
            query.activity = validate_iri(self.activity, path="activity")
            query.activity_usages = None if self.related_activities else tuple(sorted(ACTIVITY_FILTER_USAGES))
        if self.registration is not None:
            query.registration = uuid.UUID(validate_uuid(self.registration, path="registration"))
        if self.since is not None:
            query.since = parse_timestamp_param(self.since, param="since")
        if self.until is not None:
            query.until = parse_timestamp_param(self.until, param="until")
        return query


async def export_statements(
    pool: asyncpg.Pool,
    store_id: int,
    query: StatementQuery,
    out: BinaryIO,
    *,
    page: int = PAGE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every matching statement to `out` as NDJSON; returns how many. `query.after` may start later."""
    count = 0
    query.ascending = True
    query.limit = page
    while True:
        async with pool.acquire() as conn:
            rows = await query_statements(conn, store_id, query)
        for row in rows:
            out.write(row.payload.encode())
            out.write(b"\n")
        count += len(rows)
        if progress is not None:
            progress(count)
        if len(rows) < page:
            return count
        query.after = rows[-1].seq
