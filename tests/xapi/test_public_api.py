"""The public face of lrs.xapi: a sorted __all__ whose every name exists."""

from __future__ import annotations

import lrs.xapi
import lrs.xapi.multipart


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    for module in (lrs.xapi, lrs.xapi.multipart):
        names = module.__all__
        assert names == sorted(names, key=_isort_key)
        assert len(set(names)) == len(names)
        for name in names:
            assert hasattr(module, name), name


def test_interface_names_the_api_layer_relies_on() -> None:
    expected = {
        "SUPPORTED_VERSIONS",
        "Statement",
        "agent_ifi",
        "format_statement",
        "index_entries",
        "merge_activity_definition",
        "negotiate_version",
        "parse_accept_language",
        "parse_agent_param",
        "parse_statements",
        "parse_timestamp_param",
        "prepare_for_storage",
        "present_for_version",
        "statements_equivalent",
        "verify_signature",
    }
    assert expected <= set(lrs.xapi.__all__)
    assert lrs.xapi.SUPPORTED_VERSIONS == ("1.0.3", "2.0.0")
