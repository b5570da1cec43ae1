"""State, Activity Profile and Agent Profile documents: bytes with their media type, ETag and update time.

Concurrency (Communication 3.1) is decided where the data is: a precondition and the write it guards run as one
SQL statement (or under a row lock), so two writers holding the same ETag never both succeed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
import msgspec

from lrs.errors import Conflict, PreconditionFailed, ValidationError
from lrs.store.db import in_transaction
from lrs.store.sql import q

JSON_MEDIA_TYPE = "application/json"
DEFAULT_MEDIA_TYPE = "application/octet-stream"
ANY_ETAG = "*"

MAX_KEY_BYTES = 2400
"""The activity IRI, agent key, registration and document id together, in UTF-8: the primary key's index entry
must stay under PostgreSQL's B-tree limit (about 2.7 kB)."""

IF_MATCH_FAILED = "If-Match does not hold: the document is missing or has changed; GET it for its current ETag"
IF_NONE_MATCH_FAILED = "If-None-Match does not hold: the document already exists"


class Kind(StrEnum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True, slots=True)
class Context:
    """Where documents live: one store, one kind, and the activity / agent / registration that apply ('' if not).

    `registration` None (State only) means "any registration" when listing or deleting many.
    """

    store_id: int
    kind: Kind
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str | None = None

    def key(self, document_id: str) -> tuple[int, str, str, str, str, str]:
        """The primary key of one document of this context."""
        return (self.store_id, self.kind.value, self.activity_id, self.agent_ifi, self.registration or "", document_id)

    def check_key_size(self, document_id: str) -> None:
        """ValidationError (400) when a document of this context with this id would be too large to index."""
        parts = (self.activity_id, self.agent_ifi, self.registration or "", document_id)
        size = sum(len(part.encode()) for part in parts)
        if size > MAX_KEY_BYTES:
            raise ValidationError(
                f"the document's key (activity IRI, agent, registration and id together) is {size} bytes; "
                f"at most {MAX_KEY_BYTES} are supported"
            )

    def scope(self) -> tuple[int, str, str, str, str | None]:
        return (self.store_id, self.kind.value, self.activity_id, self.agent_ifi, self.registration)


@dataclass(frozen=True, slots=True)
class Document:
    content: bytes
    content_type: str
    etag: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """The outcome of a write: the new ETag and update time."""

    etag: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class Preconditions:
    """If-Match / If-None-Match as sets of ETags (`*` matches any existing document); None when absent."""

    if_match: frozenset[str] | None = None
    if_none_match: frozenset[str] | None = None

    @property
    def absent(self) -> bool:
        return self.if_match is None and self.if_none_match is None

    def check(self, current_etag: str | None) -> None:
        """Raise PreconditionFailed unless the headers hold for the document's current ETag (None: no document)."""
        if self.if_match is not None and (
            current_etag is None or not (ANY_ETAG in self.if_match or current_etag in self.if_match)
        ):
            raise PreconditionFailed(IF_MATCH_FAILED)
        if (
            self.if_none_match is not None
            and current_etag is not None
            and (ANY_ETAG in self.if_none_match or current_etag in self.if_none_match)
        ):
            raise PreconditionFailed(IF_NONE_MATCH_FAILED)


def etag_of(content: bytes) -> str:
    """The ETag the spec prescribes: the lower-case hex SHA-1 of the content (unquoted)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def media_type_essence(content_type: str) -> str:
    """`type/subtype` in lower case, parameters dropped."""
    return content_type.split(";", 1)[0].strip().lower()


def merge_json(existing: Document, posted: bytes, posted_type: str) -> bytes:
    """The JSON merge of Communication 2.2: top-level properties of `posted` replace the existing ones.

    Both documents must be `application/json` JSON Objects; otherwise ValidationError (400) and nothing is written.
    """
    if media_type_essence(posted_type) != JSON_MEDIA_TYPE:
        raise ValidationError(
            f"POST merges JSON documents: the posted Content-Type is {posted_type!r}, not {JSON_MEDIA_TYPE}; "
            "use PUT to replace the document",
            path="Content-Type",
        )
    if media_type_essence(existing.content_type) != JSON_MEDIA_TYPE:
        raise ValidationError(
            f"POST merges JSON documents: the stored document is {existing.content_type!r}, not "
            f"{JSON_MEDIA_TYPE}; use PUT to replace it"
        )
    new = _json_object(posted, "the posted document")
    old = _json_object(existing.content, "the stored document")
    old.update(new)
    return msgspec.json.encode(old)


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(content)
    except msgspec.DecodeError:
        raise ValidationError(f"{what} is not valid JSON, so it cannot be merged") from None
    if not isinstance(value, dict):
        raise ValidationError(f"{what} is not a JSON Object, so it cannot be merged")
    return value


def _document(row: asyncpg.Record | None) -> Document | None:
    if row is None:
        return None
    return Document(bytes(row["content"]), row["content_type"], row["etag"], row["updated"])


async def get_document(pool: asyncpg.Pool, context: Context, document_id: str) -> Document | None:
    return _document(await pool.fetchrow(q("documents", "get_document"), *context.key(document_id)))


async def list_ids(
    pool: asyncpg.Pool, context: Context, since: datetime | None = None
) -> tuple[list[str], datetime | None]:
    """The ids of the context's documents updated after `since`, and the latest update time among them."""
    rows = await pool.fetch(q("documents", "list_ids"), *context.scope(), since)
    latest = max((row["updated"] for row in rows), default=None)
    return [row["document_id"] for row in rows], latest


async def put_document(
    pool: asyncpg.Pool,
    context: Context,
    document_id: str,
    content: bytes,
    content_type: str,
    *,
    preconditions: Preconditions,
    overwrite_needs_precondition: bool,
) -> Written:
    """Create or replace a document.

    Without preconditions an existing document is overwritten, or, when `overwrite_needs_precondition`
    (Profiles; State in xAPI 2.0), left alone with Conflict (409).
    """
    context.check_key_size(document_id)
    etag = etag_of(content)
    args = (*context.key(document_id), content, content_type, etag)
    if preconditions.absent:
        if not overwrite_needs_precondition:
            return Written(etag, await pool.fetchval(q("documents", "upsert_document"), *args))
        updated = await pool.fetchval(q("documents", "insert_document"), *args)
        if updated is None:
            raise Conflict(
                "the document already exists and the PUT had neither If-Match nor If-None-Match: GET the "
                "document, then PUT again with If-Match set to its ETag"
            )
        return Written(etag, updated)
    if preconditions.if_none_match is None and preconditions.if_match is not None:
        updated = await pool.fetchval(q("documents", "update_document_if_match"), *args, list(preconditions.if_match))
        if updated is None:
            raise PreconditionFailed(IF_MATCH_FAILED)
        return Written(etag, updated)
    if preconditions.if_match is None and preconditions.if_none_match == frozenset({ANY_ETAG}):
        updated = await pool.fetchval(q("documents", "insert_document"), *args)
        if updated is None:
            raise PreconditionFailed(IF_NONE_MATCH_FAILED)
        return Written(etag, updated)
    return await _locked_write(pool, context, document_id, preconditions, lambda _: (content, content_type))


async def post_document(
    pool: asyncpg.Pool,
    context: Context,
    document_id: str,
    content: bytes,
    content_type: str,
    *,
    preconditions: Preconditions,
) -> Written:
    """Store a new document as given, or merge JSON into the existing one (Communication 2.2)."""

    context.check_key_size(document_id)

    def merged(existing: Document | None) -> tuple[bytes, str]:
        if existing is None:
            return content, content_type
        return merge_json(existing, content, content_type), JSON_MEDIA_TYPE

    return await _locked_write(pool, context, document_id, preconditions, merged)


async def _locked_write(
    pool: asyncpg.Pool,
    context: Context,
    document_id: str,
    preconditions: Preconditions,
    compose: Callable[[Document | None], tuple[bytes, str]],
) -> Written:
    """Read-check-write under the row lock; `compose(existing)` returns the (content, content_type) to store.

    A missing row cannot be locked, so creation goes through INSERT ... ON CONFLICT DO NOTHING: if another
    transaction created the row first, loop, lock it and decide again against what it wrote.
    """
    key = context.key(document_id)

    async def work(conn: asyncpg.Connection) -> Written:
        while True:
            existing = _document(await conn.fetchrow(q("documents", "lock_document"), *key))
            preconditions.check(existing.etag if existing else None)
            content, content_type = compose(existing)
            etag = etag_of(content)
            name = "update_document" if existing else "insert_document"
            updated = await conn.fetchval(q("documents", name), *key, content, content_type, etag)
            if updated is not None:
                return Written(etag, updated)

    return await in_transaction(pool, work)


async def delete_document(pool: asyncpg.Pool, context: Context, document_id: str, preconditions: Preconditions) -> None:
    """Delete one document; deleting a missing one is not an error unless If-Match asks for it to exist."""
    key = context.key(document_id)
    if preconditions.absent:
        await pool.execute(q("documents", "delete_document"), *key)
        return

    async def work(conn: asyncpg.Connection) -> None:
        existing = _document(await conn.fetchrow(q("documents", "lock_document"), *key))
        preconditions.check(existing.etag if existing else None)
        if existing is not None:
            await conn.execute(q("documents", "delete_document"), *key)

    await in_transaction(pool, work)


async def delete_documents(pool: asyncpg.Pool, context: Context) -> None:
    """Delete every document of the context (State without `stateId`)."""
    await pool.execute(q("documents", "delete_documents"), *context.scope())
