"""Analytics opt-out: which learners the analytics engine must leave out of training, scoring and insights.

A learner is excluded when the whole store opted out (`stores.settings.analytics_opt_out`) or when their IFI key
(the same `lrs.xapi.agent_ifi` key the analytics tables use as `learner`) is in `analytics_opt_outs`.

For the analytics engine, three equivalent ways to honour it:
- in SQL, in the same statement that reads training rows or writes an insight:
  `WHERE NOT analytics_excluded(store_id, learner)` (a database function, see migration 0005);
- the named block `opted_out_learners` of `lrs/store/sql/governance.sql` returns `(store_wide, learners[])`;
- in Python, `await lrs.store.governance.load_opt_outs(conn, store_id)` gives an `OptOuts`, then
  `opt_outs.excludes(learner)` / `opt_outs.keep(learners)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SQL_PREDICATE = "analytics_excluded(store_id, learner)"
"""A boolean SQL expression over columns `store_id` and `learner`: true for rows analytics must not use."""


@dataclass(frozen=True, slots=True)
class OptOuts:
    store_wide: bool
    learners: frozenset[str]

    def excludes(self, learner: str) -> bool:
        """Whether analytics must not train on, score or write insights about `learner` (an IFI key)."""
        return self.store_wide or learner in self.learners

    def keep(self, learners: Iterable[str]) -> list[str]:
        """The learners analytics may use, in the given order."""
        return [] if self.store_wide else [learner for learner in learners if learner not in self.learners]
