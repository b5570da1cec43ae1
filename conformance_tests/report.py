"""Collects each check's outcome during a pytest run and renders the per-section summary."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from conformance_tests.requirements import SECTION_TITLES, Requirement, requirement_of, section_sort_key


@dataclass
class CheckResult:
    """The outcome of one check (one collected test case)."""

    nodeid: str
    section: str
    level: str
    requirement: str
    outcome: str = "not run"
    message: str = ""


@dataclass
class ResultCollector:
    """A pytest plugin object: remembers every check's requirement and outcome."""

    results: dict[str, CheckResult] = field(default_factory=dict)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Record the requirement of every collected check."""
        for item in session.items:
            req: Requirement | None = requirement_of(item)
            if req is not None:
                self.results[item.nodeid] = CheckResult(item.nodeid, req.section, req.level, req.text)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold setup/call/teardown reports into one outcome per check."""
        result = self.results.get(report.nodeid)
        if result is None:
            return
        if report.skipped and result.outcome == "not run":
            result.outcome = "skipped"
            result.message = _skip_reason(report)
        elif report.failed:
            if result.outcome != "failed":
                result.outcome = "failed"
                result.message = _failure_message(report)
        elif report.when == "call" and report.passed and result.outcome == "not run":
            result.outcome = "passed"

    def sections(self) -> list[tuple[str, Counter[str]]]:
        """Outcome counts per section, in spec order."""
        counts: dict[str, Counter[str]] = {}
        for result in self.results.values():
            counts.setdefault(result.section, Counter())[result.outcome] += 1
        return sorted(counts.items(), key=lambda pair: section_sort_key(pair[0]))

    def totals(self) -> Counter[str]:
        """Outcome counts over the whole run."""
        return Counter(r.outcome for r in self.results.values())

    def failures(self) -> list[CheckResult]:
        """Failed checks, in spec order."""
        failed = [r for r in self.results.values() if r.outcome == "failed"]
        return sorted(failed, key=lambda r: (section_sort_key(r.section), r.nodeid))

    def write_json(self, path: Path, meta: dict[str, Any]) -> None:
        """Machine-readable report: meta, totals and every check."""
        data = {"meta": meta, "totals": dict(self.totals()), "checks": [asdict(r) for r in self.results.values()]}
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    def render(self, out: TextIO, *, version: str, endpoint: str) -> None:
        """Print the per-section table, the failed requirements and the totals."""
        rows = self.sections()
        width = max([len(s) + len(SECTION_TITLES.get(s, "")) + 3 for s, _ in rows] + [20])
        out.write(f"\nxAPI {version} conformance of {endpoint}\n")
        out.write(f"{'section':<{width}} {'passed':>7} {'failed':>7} {'skipped':>8} {'checks':>7}\n")
        out.write("-" * (width + 32) + "\n")
        for section, count in rows:
            label = f"{section} ({SECTION_TITLES.get(section, '')})"
            total = sum(count.values())
            out.write(f"{label:<{width}} {count['passed']:>7} {count['failed']:>7} {count['skipped']:>8} {total:>7}\n")
        totals = self.totals()
        out.write("-" * (width + 32) + "\n")
        out.write(
            f"{'total':<{width}} {totals['passed']:>7} {totals['failed']:>7} {totals['skipped']:>8} "
            f"{sum(totals.values()):>7}\n"
        )
        failures = self.failures()
        if failures:
            out.write(f"\nFailed requirements ({len(failures)}):\n")
            for result in failures:
                out.write(f"  [{result.section} {result.level}] {result.requirement}\n")
                out.write(f"      {result.nodeid}\n      {result.message}\n")
        applicable = sum(totals.values()) - totals["skipped"]
        levels = Counter(r.level for r in failures)
        split = ", ".join(f"{levels[level]} {level}" for level in ("MUST", "SHOULD", "MAY") if levels[level])
        out.write(
            f"\n{sum(totals.values())} checks ({applicable} applicable to xAPI {version}); "
            f"failed requirements by level: {split or 'none'}\n"
        )
        out.write(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped\n")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or report.longreprtext.strip().splitlines()[-1:]
    text = message if isinstance(message, str) else " ".join(message)
    text = " ".join(text.split())
    if report.when != "call":
        text = f"({report.when}) {text}"
    return text[:600]
