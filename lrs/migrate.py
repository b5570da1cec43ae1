"""Run the alembic migrations from code (`lrs migrate`, `lrs dev`, tests) without an alembic.ini."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config

from alembic import command
from lrs.settings import SettingsError


def alembic_dir() -> Path:
    """The `alembic/` folder: beside the package in a checkout, or named by LRS_ALEMBIC_DIR (e.g. in a container)."""
    candidates = [Path(p) for p in [os.environ.get("LRS_ALEMBIC_DIR", "")] if p]
    candidates += [Path(__file__).resolve().parents[1] / "alembic", Path.cwd() / "alembic"]
    for candidate in candidates:
        if (candidate / "env.py").exists():
            return candidate
    raise SettingsError("cannot find the alembic/ migrations folder; set LRS_ALEMBIC_DIR")


def sqlalchemy_url(database_url: str | None) -> str:
    """The psycopg 3 SQLAlchemy URL for a `postgresql://` URL (alembic's driver; the app uses asyncpg)."""
    url = database_url or os.environ.get("LRS_DATABASE_URL")
    if not url:
        raise SettingsError("LRS_DATABASE_URL is not set")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(alembic_dir()))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
