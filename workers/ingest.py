"""The feed handler: new statements -> `analytics_events` rows and changed courses, inside the feed's batch
transaction (so events and the feed cursor commit together)."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from analytics.insights import analytics_agent
from analytics.pipeline.config import config_or_default
from analytics.pipeline.ingest import encode_event, extract, is_engine_statement
from analytics.vocabulary import Vocabulary
from lrs.store import analytics_write as db
from lrs.xapi import agent_ifi

log = logging.getLogger("lrs.worker")


def engine_key(base_url: str) -> str:
    """The IFI key of the store's analytics Agent (the actor and authority of insight statements)."""
    key = agent_ifi(analytics_agent(base_url))
    assert key is not None
    return key


class FeedHandler:
    """Handles one store's feed batches and remembers which courses changed, for scoring after commit."""

    def __init__(self, base_url: str) -> None:
        self.engine_key = engine_key(base_url)
        self.changed: set[str] = set()
        self.events = 0

    async def __call__(self, conn: asyncpg.Connection, store_id: int, statements: list[dict[str, Any]]) -> None:
        learner_statements = [s for s in statements if not is_engine_statement(s, self.engine_key)]
        if not learner_statements:
            return
        store_config = await db.store_settings(conn, store_id)
        config = config_or_default(store_config, where=f"store {store_id}")
        courses = await db.course_settings(conn, store_id)
        own: dict[str, Vocabulary] = {}
        for course, settings in courses.items():
            if "vocabulary" in settings:
                own[course] = config_or_default(store_config, settings, where=f"course {course}").vocabulary_mapping
        ids = [str(s.get("id", "")).lower() for s in learner_statements]
        seqs = await db.statement_seqs(conn, store_id, ids)
        live = [
            (seqs[i][0], s)
            for i, s in zip(ids, learner_statements, strict=True)
            if i in seqs and not seqs[i][1]  # a statement voided by now has nothing to add
        ]
        found = extract(
            live,
            vocabulary=config.vocabulary_mapping,
            engine_key=self.engine_key,
            known_courses=courses.keys(),
            course_vocabularies=own,
        )
        rows = [
            db.EventRow(
                course_id=e.course,
                statement_seq=seq,
                learner=e.learner,
                ts=e.timestamp,
                family=str(e.family),
                action=e.action,
                activity=e.activity,
                activity_type=e.activity_type,
                score=e.score,
                success=e.success,
                completion=e.completion,
                duration=e.duration,
                event=encode_event(e),
            )
            for seq, e in found.events
        ]
        await db.insert_events(conn, store_id, rows)
        latest: dict[str, float | None] = dict(found.courses)
        if found.voided:
            targets = await db.statements_by_id(conn, store_id, found.voided)
            gone = extract(
                targets,
                vocabulary=config.vocabulary_mapping,
                engine_key=self.engine_key,
                known_courses=courses.keys(),
                course_vocabularies=own,
            )
            voided_courses = {e.course for _, e in gone.events}
            if voided_courses:
                await db.delete_events(conn, store_id, voided_courses, [seq for seq, _ in targets])
            latest.update({c: latest.get(c) for c in voided_courses})
        await db.touch_courses(conn, store_id, latest, found.course_names)
        self.changed.update(latest)
        self.events += len(rows)
