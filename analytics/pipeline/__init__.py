"""The engine's decisions between the database and the pure analytics, still without any I/O.

- `config`: the per-store (and per-course) settings of the engine;
- `ingest`: statements of the feed -> rows of `analytics_events` (skipping the engine's own statements);
- `calendars`: admin-set and inferred course dates -> a `CourseCalendar`;
- `decisions`: which insights, interventions and alerts a scoring run writes;
- `learning`: labelling and training a store's models per cut point, and when to train automatically;
- `ids`: deterministic statement ids and the hold-out group.

`workers/` does the I/O around these (through `lrs.store.analytics_write`).
"""
