"""Learner data rights and data governance: access, erasure, deletion, retention, analytics opt-out, audit.

Pure parts (no I/O): `identity` (who a learner is: IFI keys and identifying strings), `pseudonym` (keyed
pseudonyms and the statement rewrite), `policy` (per-store settings and how each statement is treated),
`opt_out` (the analytics exclusion rule). Orchestration over `lrs.store.governance`, each step in one
transaction: `export` (right of access / portability), `erasure` (right to erasure), `deletion` (statements by
id or stored-time range, with dry runs), `retention` (per-store age limit), `audit` (the administrative log).
`cli` registers `lrs learners`, `lrs statements`, `lrs audit` and `lrs governance`.
"""
