"""HTML building blocks: every dynamic value goes through `esc`; pages share one layout and one stylesheet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from urllib.parse import urlencode

BASE = "/dashboard"


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def url(path: str, **query: str | int | None) -> str:
    """A dashboard URL with its query string (course IRIs and learner keys travel URL-encoded there)."""
    params = {k: str(v) for k, v in query.items() if v is not None}
    return f"{BASE}{path}" + (f"?{urlencode(params)}" if params else "")


def pct(value: float | None, digits: int = 0) -> str:
    return "\u2013" if value is None else f"{value * 100:.{digits}f} %"


def num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "\u2013"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"


def when(moment: datetime | None) -> str:
    return "\u2013" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime | None) -> str:
    return "\u2013" if moment is None else moment.strftime("%Y-%m-%d")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str, empty: str = "Nothing yet.") -> str:
    """A table of already-escaped cells, with a caption for screen readers and a note when empty."""
    labels = [esc(h) for h in headers]
    body = "".join(
        "<tr>"
        + "".join(f"<td data-label='{label}'>{cell}</td>" for label, cell in zip(labels, row, strict=True))
        + "</tr>"
        for row in rows
    )
    if not body:
        return f"<p class='empty'><strong>{esc(caption)}</strong>: {esc(empty)}</p>"
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
    return (
        f"<div class='scroll'><table><caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def figures(items: Sequence[tuple[str, str]]) -> str:
    """Headline numbers as a definition list (label, already-escaped value)."""
    cells = "".join(f"<div class='figure'><dt>{esc(label)}</dt><dd>{value}</dd></div>" for label, value in items)
    return f"<dl class='figures'>{cells}</dl>"


def hidden(name: str, value: object) -> str:
    return f"<input type='hidden' name='{esc(name)}' value='{esc(value)}'>"


def page(title: str, body: str, *, store: str | None = None, csrf: str | None = None, admin: bool = False) -> str:
    """The whole document: skip link, navigation (when signed in), main content."""
    nav = ""
    if store is not None and csrf is not None:
        links = [("Courses", url("/")), ("Models", url("/models"))]
        if admin:
            links.append(("Store", url("/store")))
        items = "".join(f"<li><a href='{esc(href)}'>{esc(label)}</a></li>" for label, href in links)
        nav = (
            f"<nav aria-label='Dashboard'><ul>{items}</ul>"
            f"<span class='who'>Store <strong>{esc(store)}</strong></span>"
            f"<form method='post' action='{url('/logout')}'>{hidden('csrf', csrf)}"
            "<button type='submit'>Sign out</button></form></nav>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)} · LRS dashboard</title>"
        f"<link rel='stylesheet' href='{url('/static/dashboard.css')}'></head><body>"
        "<a class='skip' href='#main'>Skip to content</a>"
        f"<header><span class='brand'>LRS dashboard</span>{nav}</header>"
        f"<main id='main' tabindex='-1'><h1>{esc(title)}</h1>{body}</main></body></html>"
    )


def notice(text: str | None) -> str:
    return f"<p class='notice' role='status'>{esc(text)}</p>" if text else ""
