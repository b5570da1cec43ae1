"""Validating and preparing a chunk of file records: pure CPU work, run in worker processes.

Every record goes through the same validation as a POST body (`lrs.xapi`). A valid one becomes either the JSON
to POST (remote imports) or a `PreparedStatement`: the payload exactly as `store_statements` would store it and
its index rows, with one difference: the batch's `stored` time is only known inside its transaction, so the
payload carries `STORED_PLACEHOLDER` there (and in `timestamp` when the LRS fills it in), swapped for the real
time when the batch is written. The placeholder holds a NUL character, which no accepted statement can contain.

Statements without an id get one derived from the file's digest and the record's position, so importing the
same file again (after an interruption, or twice) never stores a statement twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from lrs.errors import LRSError
from lrs.xapi import Statement, index_entries, parse_statements, prepare_for_storage, received_json

STORED_PLACEHOLDER = "\x00stored\x00"
STORED_PLACEHOLDER_JSON = msgspec.json.encode(STORED_PLACEHOLDER)
IMPORT_ID_NAMESPACE = uuid.UUID("5b0f3c52-8d0e-4c4f-9a43-3f1d2f6b7c11")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# prepare_for_storage uses its `new_id` only for a statement without one; ours always have one by then.
_GIVEN = uuid.UUID(int=0)
_encode = msgspec.json.Encoder().encode


class PreparedStatement(msgspec.Struct, array_like=True, frozen=True):
    """One statement ready to store; `timestamp` None means the LRS sets it to `stored`."""

    ordinal: int
    line: int
    id: str
    payload: bytes
    verb_id: str
    actor_ifi: str | None
    object_type: str
    object_activity_id: str | None
    object_agent_ifi: str | None
    object_statement_id: str | None
    registration: str | None
    timestamp: datetime | None
    version: str
    is_voiding: bool
    agents: list[tuple[str, str]]
    activities: list[tuple[str, str]]
    definitions: list[tuple[str, dict[str, Any]]]


class OutgoingStatement(msgspec.Struct, array_like=True, frozen=True):
    """One statement to POST to a remote LRS, as JSON (the record itself unless an id had to be added)."""

    ordinal: int
    line: int
    json: bytes


class Reject(msgspec.Struct, array_like=True, frozen=True):
    ordinal: int
    line: int
    reason: str
    path: str


class ChunkJob(msgspec.Struct, array_like=True, frozen=True):
    """A chunk of records (ordinal, line, bytes) and what to make of them."""

    records: list[tuple[int, int, bytes]]
    version: str
    file_digest: str
    authority: dict[str, Any] | None
    """The authority to store with; None: prepare for POSTing to a remote LRS."""


class ChunkResult(msgspec.Struct, array_like=True, frozen=True):
    rows: bytes
    """msgpack of list[PreparedStatement] or list[OutgoingStatement], written to the spool as it is."""
    ids: list[tuple[int, int, str]]
    """(ordinal, line, id) of every valid statement, for the duplicate and conflict checks."""
    rejects: list[Reject]


_rows_encoder = msgspec.msgpack.Encoder()
_prepared_decoder = msgspec.msgpack.Decoder(list[PreparedStatement])
_outgoing_decoder = msgspec.msgpack.Decoder(list[OutgoingStatement])


def decode_prepared(blob: bytes) -> list[PreparedStatement]:
    return _prepared_decoder.decode(blob)


def decode_outgoing(blob: bytes) -> list[OutgoingStatement]:
    return _outgoing_decoder.decode(blob)


def import_id(file_digest: str, ordinal: int) -> str:
    """The id given to the `ordinal`-th statement of a file when it has none."""
    return str(uuid.uuid5(IMPORT_ID_NAMESPACE, f"{file_digest}:{ordinal}"))


def prepare_chunk(job: ChunkJob) -> ChunkResult:
    """Validate every record; prepare the valid ones, report the others with their reason and JSON path."""
    prepared: list[PreparedStatement] = []
    outgoing: list[OutgoingStatement] = []
    ids: list[tuple[int, int, str]] = []
    rejects: list[Reject] = []
    for ordinal, line, data in job.records:
        if not data.startswith(b"{"):
            rejects.append(Reject(ordinal, line, "expected a statement object", "$"))
            continue
        try:
            statement = parse_statements(data, job.version)[0]
        except LRSError as exc:
            rejects.append(Reject(ordinal, line, exc.message, exc.path or "$"))
            continue
        raw = received_json(statement)
        assert raw is not None  # parsed from JSON
        missing = _attachment_without_url(raw)
        if missing is not None:
            rejects.append(Reject(ordinal, line, "an imported attachment needs a fileUrl (no data travels)", missing))
            continue
        new_id = None if "id" in raw else import_id(job.file_digest, ordinal)
        if job.authority is None:
            outgoing.append(
                OutgoingStatement(ordinal, line, data if new_id is None else _encode({**raw, "id": new_id}))
            )
            ids.append((ordinal, line, str(uuid.UUID(new_id or raw["id"]))))
            continue
        row = _prepare(statement, raw, ordinal, line, job, new_id)
        prepared.append(row)
        ids.append((ordinal, line, row.id))
    rows = _rows_encoder.encode(prepared if job.authority is not None else outgoing)
    return ChunkResult(rows, ids, rejects)


def _prepare(
    statement: Statement, raw: dict[str, Any], ordinal: int, line: int, job: ChunkJob, new_id: str | None
) -> PreparedStatement:
    assert job.authority is not None
    payload = prepare_for_storage(
        statement,
        authority=job.authority,
        stored=_EPOCH,
        version=job.version,
        new_id=uuid.UUID(new_id) if new_id else _GIVEN,
    )
    ix = index_entries(payload)
    payload["stored"] = STORED_PLACEHOLDER
    defaulted = "timestamp" not in raw
    if defaulted:
        payload["timestamp"] = STORED_PLACEHOLDER
    return PreparedStatement(
        ordinal=ordinal,
        line=line,
        id=str(ix.statement_id),
        payload=_encode(payload),
        verb_id=ix.verb_id,
        actor_ifi=ix.actor_ifi,
        object_type=ix.object_type,
        object_activity_id=ix.object_activity_id,
        object_agent_ifi=ix.object_agent_ifi,
        object_statement_id=None if ix.object_statement_id is None else str(ix.object_statement_id),
        registration=None if ix.registration is None else str(ix.registration),
        timestamp=None if defaulted else ix.timestamp,
        version=str(payload.get("version", "1.0.0")),
        is_voiding=ix.is_voiding,
        agents=ix.agents,
        activities=ix.activities,
        definitions=ix.activity_definitions,
    )


def _attachment_without_url(raw: dict[str, Any]) -> str | None:
    """The JSON path of the first attachment (also in a SubStatement) that has no fileUrl: a file carries no
    attachment data, and the LRS refuses attachments that have neither data nor a fileUrl."""
    places: list[tuple[str, Any]] = [("$", raw)]
    obj = raw.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        places.append(("$.object", obj))
    for prefix, holder in places:
        for index, attachment in enumerate(holder.get("attachments") or ()):
            if isinstance(attachment, dict) and "fileUrl" not in attachment:
                return f"{prefix}.attachments[{index}].fileUrl"
    return None
