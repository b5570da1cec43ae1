"""`python -m conformance_tests --endpoint URL --auth KEY:SECRET --xapi-version 2.0.0`.

Runs the package's own checks with pytest, then prints passed / failed / skipped per spec section
and the total number of checks. Exit status: 0 when nothing failed, 1 on failures, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

from conformance_tests.report import ResultCollector
from conformance_tests.settings import DEFAULT_VERSION, SUPPORTED_VERSIONS, Settings, SettingsError

PACKAGE_DIR = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line: the three settings plus a few pass-throughs to pytest."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance_tests",
        description="Black-box xAPI conformance checks against any LRS.",
    )
    parser.add_argument("--endpoint", help="LRS base endpoint (env XAPI_ENDPOINT)")
    parser.add_argument("--auth", help="Basic credential KEY:SECRET (env XAPI_AUTH)")
    parser.add_argument(
        "--xapi-version",
        choices=SUPPORTED_VERSIONS,
        help=f"xAPI version to test (env XAPI_VERSION, default {DEFAULT_VERSION})",
    )
    parser.add_argument("-k", dest="keyword", help="only run checks matching this pytest -k expression")
    parser.add_argument("--report", type=Path, help="also write every check's outcome as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every check as it runs")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    parser.add_argument("--must-only", action="store_true", help="skip SHOULD and MAY checks")
    return parser.parse_args(argv)


def pytest_arguments(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Arguments that run exactly this package's checks, independent of any project config."""
    arguments = [
        str(PACKAGE_DIR),
        "-c",
        os.devnull,
        "--rootdir",
        str(PACKAGE_DIR),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:asyncio",
        "--tb=short",
        "-o",
        "console_output_style=count",
        f"--endpoint={settings.endpoint}",
        f"--auth={settings.key}:{settings.secret}",
        f"--xapi-version={settings.version}",
        "-v" if args.verbose else "-q",
    ]
    if args.keyword:
        arguments += ["-k", args.keyword]
    if args.exitfirst:
        arguments.append("-x")
    if args.must_only:
        arguments.append("--must-only")
    return arguments


def main(argv: list[str] | None = None) -> int:
    """Run the suite and print the summary; return the process exit status."""
    args = parse_args(argv)
    try:
        settings = Settings.build(args.endpoint, args.auth, args.xapi_version)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    collector = ResultCollector()
    code = pytest.main(pytest_arguments(args, settings), plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not collector.results:
        print(f"error: the run did not complete (pytest exit status {int(code)})", file=sys.stderr)
        return 2
    collector.render(sys.stdout, version=settings.version, endpoint=settings.endpoint)
    if args.report:
        collector.write_json(args.report, {"endpoint": settings.endpoint, "version": settings.version})
    return 1 if collector.totals()["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
