"""pytest wiring: options, the requirement marker, version-based skips and the shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import MARKER, requirement_of
from conformance_tests.settings import SUPPORTED_VERSIONS, Settings, SettingsError


def pytest_addoption(parser: pytest.Parser) -> None:
    """The only three things a run is configured by."""
    group = parser.getgroup("xapi", "xAPI conformance")
    group.addoption("--endpoint", default=None, help="LRS base endpoint, e.g. http://localhost:8080/xapi/")
    group.addoption("--auth", default=None, help="Basic credential as KEY:SECRET")
    group.addoption("--xapi-version", default=None, choices=SUPPORTED_VERSIONS, help="xAPI version to speak")
    group.addoption("--must-only", action="store_true", help="skip SHOULD and MAY checks")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker every check must carry."""
    config.addinivalue_line("markers", f"{MARKER}(req): the spec requirement a check verifies")


def _settings(config: pytest.Config) -> Settings:
    try:
        return Settings.build(
            config.getoption("--endpoint"), config.getoption("--auth"), config.getoption("--xapi-version")
        )
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from error


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse checks without a requirement; skip those that do not apply to the chosen version."""
    version = _settings(config).version
    must_only = bool(config.getoption("--must-only"))
    for item in items:
        req = requirement_of(item)
        if req is None:
            raise pytest.UsageError(f"{item.nodeid} names no requirement (use @requirement)")
        if version not in req.versions:
            only = ", ".join(sorted(req.versions))
            item.add_marker(pytest.mark.skip(reason=f"applies to xAPI {only} only"))
        elif must_only and req.level != "MUST":
            item.add_marker(pytest.mark.skip(reason=f"{req.level} check skipped (--must-only)"))


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    """The run's endpoint, credential and version."""
    return _settings(pytestconfig)


@pytest.fixture(scope="session")
def lrs(settings: Settings) -> Iterator[XAPIClient]:
    """The one client shared by every check; stops the run early if the LRS is not reachable."""
    client = XAPIClient(settings)
    try:
        client.request("GET", "about")
    except httpx.HTTPError as error:
        client.close()
        pytest.exit(f"cannot reach the LRS at {settings.endpoint}: {error}", returncode=2)
    yield client
    client.close()


@pytest.fixture(scope="session")
def factory() -> Factory:
    """Builder of valid statements whose ids and IRIs are unique to this run."""
    return Factory()


@pytest.fixture(scope="session")
def version(settings: Settings) -> str:
    """The xAPI version of this run ("1.0.3" or "2.0.0")."""
    return settings.version
