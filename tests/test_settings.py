"""Settings come from LRS_* variables, and the README documents every one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.port == 8080
    assert settings.cors_origins == ("*",)
    assert settings.base_url == "http://127.0.0.1:8080"


def test_environment_values_are_typed() -> None:
    settings = Settings.from_env(
        {"LRS_PORT": "9000", "LRS_CORS_ORIGINS": "https://a.example, https://b.example", "LRS_DATA_DIR": "/x"}
    )
    assert settings.port == 9000
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.data_dir == Path("/x")


def test_overrides_win_over_environment() -> None:
    assert Settings.from_env({"LRS_PORT": "9000"}, port=9100).port == 9100


def test_public_url_names_the_base_url() -> None:
    assert Settings.from_env({"LRS_PUBLIC_URL": "https://lrs.example.org/"}).base_url == "https://lrs.example.org"


def test_a_bad_number_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="LRS_PORT"):
        Settings.from_env({"LRS_PORT": "eighty"})


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_readme_documents_every_variable() -> None:
    readme = README.read_text()
    missing = [env for env, _, _ in Settings.documented() if f"`{env}`" not in readme]
    assert missing == []
