"""`lrs stores` and `lrs credentials` against a configured database: create, list, revoke."""

from __future__ import annotations

import re
import uuid

import pytest

from lrs import cli
from tests.conftest import Services


@pytest.fixture
def database(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", services.database_url)
    monkeypatch.setenv("LRS_PUBLIC_URL", "http://lrs.test")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stores_and_credentials_from_the_command_line(database: None, capsys: pytest.CaptureFixture[str]) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    code, out, _ = run(capsys, "stores", "create", name)
    assert code == 0 and name in out
    assert name in run(capsys, "stores", "list")[1]

    code, out, _ = run(
        capsys, "credentials", "create", "--store", name, "--scopes", "statements/write,state", "--label", "LMS"
    )
    assert code == 0
    key = re.search(r"key:\s+(\S+)", out)
    secret = re.search(r"secret:\s+(\S+)", out)
    assert key and secret
    listed = run(capsys, "credentials", "list", "--store", name)[1]
    assert f"{key.group(1)}\tactive\tstatements/write,state\tno expiry\tLMS" in listed
    assert secret.group(1) not in listed

    assert run(capsys, "credentials", "revoke", "--store", name, key.group(1))[0] == 0
    assert f"{key.group(1)}\trevoked" in run(capsys, "credentials", "list", "--store", name)[1]
    with pytest.raises(SystemExit, match="no active credential"):
        run(capsys, "credentials", "revoke", "--store", name, key.group(1))


def test_bad_input_is_a_clear_error(database: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "stores", "create", "Not A Name")
    assert code == 1 and "invalid store name" in err
    code, _, err = run(capsys, "credentials", "create", "--store", "default", "--scopes", "everything")
    assert code == 1 and "unknown scope 'everything'" in err
    code, _, err = run(capsys, "credentials", "list", "--store", f"missing-{uuid.uuid4().hex[:6]}")
    assert code == 1 and "no store named" in err
    with pytest.raises(SystemExit, match="ISO 8601"):
        run(capsys, "credentials", "create", "--scopes", "all", "--expires", "next tuesday")
    code, _, err = run(capsys, "credentials", "create", "--scopes", "all", "--expires", "2001-01-01T00:00:00Z")
    assert code == 1 and "in the past" in err


def test_scopes_must_be_named(database: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["credentials", "create", "--store", "default"])
    assert "--scopes" in capsys.readouterr().err
