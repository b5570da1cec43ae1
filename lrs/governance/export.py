"""Right of access and portability: everything a store holds about one learner, as one zip archive.

    manifest.json               who, when, which identifiers were searched, and how many records of each kind
    statements.ndjson           every statement in which the learner appears (actor, object, group member, team,
                                instructor, context agents and groups, authority, SubStatement parts), exactly as
                                stored, oldest first
    voided_statements.ndjson    the same for statements that were voided
    attachments/<sha2>          the attachment data those statements reference (listed in attachments.ndjson)
    documents.ndjson            State and Agent Profile documents kept under the learner's identifier
    analytics/<table>.ndjson    rows of every analytics table about the learner (events, labels, insights,
                                interventions, alerts, opt-out, ...), and the feedback on their insights

The archive is read from one snapshot (a repeatable-read transaction), so its files agree with each other.
"""

from __future__ import annotations

import base64
import zipfile
from datetime import UTC, datetime
from typing import IO, Any

import asyncpg
import msgspec

from lrs.governance import _tx
from lrs.governance.audit import Action, record
from lrs.governance.identity import Learner, learner_from_agent
from lrs.governance.pseudonym import learner_ref, new_key
from lrs.store import governance as store
from lrs.xapi import index_entries

FORMAT = "lrs-learner-export/1"
JSON_TYPE = "application/json"


class ExportSummary(msgspec.Struct, kw_only=True):
    learner_ref: str
    files: dict[str, int]
    """Records per file of the archive."""


async def export_learner(
    conn: asyncpg.Connection,
    store_id: int,
    store_name: str,
    agent: dict[str, Any],
    out: IO[bytes],
    *,
    actor: str,
) -> ExportSummary:
    """Write the learner's archive to `out` (a seekable binary file) and audit the export."""
    learner = learner_from_agent(agent)

    async def work(conn: asyncpg.Connection) -> ExportSummary:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files = await _write(conn, store_id, learner, archive)
            ref = learner_ref(await store.pseudonym_key(conn, store_id, new_key), learner.key)
            manifest = {
                "format": FORMAT,
                "store": store_name,
                "agent": learner.agent,
                "identifiers": list(learner.keys),
                "exported_at": datetime.now(UTC).isoformat(),
                "files": files,
            }
            archive.writestr("manifest.json", msgspec.json.format(msgspec.json.encode(manifest)))
        await record(conn, store_id, actor, Action.LEARNER_EXPORT, {"learner_ref": ref}, {"files": files})
        return ExportSummary(learner_ref=ref, files=files)

    return await _tx.run(conn, work, isolation="repeatable_read")


async def _write(conn: asyncpg.Connection, store_id: int, learner: Learner, archive: zipfile.ZipFile) -> dict[str, int]:
    files: dict[str, int] = {}
    voided: list[str] = []
    sha2: set[str] = set()
    count = 0
    with archive.open("statements.ndjson", "w") as live:
        async for page in store.learner_statements(conn, store_id, learner.keys):
            for statement in page:
                sha2.update(index_entries(msgspec.json.decode(statement.payload)).attachment_sha2)
                if statement.voided:
                    voided.append(statement.payload)
                else:
                    live.write(statement.payload.encode() + b"\n")
                    count += 1
    files["statements.ndjson"] = count
    archive.writestr("voided_statements.ndjson", "".join(p + "\n" for p in voided))
    files["voided_statements.ndjson"] = len(voided)
    attachments = await store.attachment_data(conn, store_id, sorted(sha2))
    listing = [{"sha2": s, "contentType": t, "file": f"attachments/{s}"} for s, t, _ in attachments]
    for digest, _, content in attachments:
        archive.writestr(f"attachments/{digest}", content)
    _ndjson(archive, "attachments.ndjson", listing, files)
    documents = [_document(row) for row in await store.learner_documents(conn, store_id, learner.keys)]
    _ndjson(archive, "documents.ndjson", documents, files)
    for table in await store.learner_tables(conn):
        rows = await store.learner_rows(conn, store_id, table, learner.keys)
        if rows:
            _ndjson(archive, f"analytics/{table}.ndjson", rows, files)
    feedback = await store.learner_feedback(conn, store_id, learner.keys)
    if feedback:
        _ndjson(archive, "analytics/analytics_feedback.ndjson", feedback, files)
    return files


def _ndjson(archive: zipfile.ZipFile, name: str, rows: list[dict[str, Any]], files: dict[str, int]) -> None:
    archive.writestr(name, b"".join(msgspec.json.encode(row) + b"\n" for row in rows))
    files[name] = len(rows)


def _document(row: asyncpg.Record) -> dict[str, Any]:
    """A document's keys and metadata, with JSON content inline and anything else in base64."""
    content = bytes(row["content"])
    doc: dict[str, Any] = {
        "kind": row["kind"],
        "activityId": row["activity_id"] or None,
        "registration": row["registration"] or None,
        "documentId": row["document_id"],
        "contentType": row["content_type"],
        "etag": row["etag"],
        "updated": row["updated"].isoformat(),
    }
    if row["content_type"].split(";")[0].strip().lower() == JSON_TYPE:
        try:
            doc["content"] = msgspec.json.decode(content)
            return doc
        except msgspec.DecodeError:
            pass
    doc["contentBase64"] = base64.b64encode(content).decode()
    return doc
