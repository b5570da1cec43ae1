"""The dashboard's pure renderers: SVG charts and HTML helpers escape what they are given and scale correctly."""

from __future__ import annotations

import re

from lrs.dashboard import charts
from lrs.dashboard.html import esc, page, table, url

HOSTILE = "<img src=x onerror='alert(1)'>"


def test_bars_scale_to_the_largest_value_and_escape_labels() -> None:
    svg = charts.bars("Events", [HOSTILE, "b"], [10, 5])
    assert HOSTILE not in svg and esc(HOSTILE) in svg
    heights = [float(h) for h in re.findall(r"<rect class='bar'[^>]* height='([\d.]+)'", svg)]
    assert len(heights) == 2 and abs(heights[0] - 2 * heights[1]) < 0.2
    assert "role='img'" in svg and "<title>Events</title>" in svg
    assert "no data yet" in charts.bars("Empty", [], [])


def test_lines_leave_gaps_and_name_every_series() -> None:
    svg = charts.lines("Risk", ["W0", "W1", "W2"], [("Learner", [0.2, None, 0.8]), ("Average", [0.5, 0.5, 0.5])], top=1)
    polylines = re.findall(r"<polyline class='line s(\d)' points='([^']*)'", svg)
    assert [(n, len(points.split())) for n, points in polylines] == [("0", 2), ("1", 3)]
    assert "<li class='s0'>Learner</li>" in svg and "<li class='s1'>Average</li>" in svg


def test_calibration_points_sit_on_the_diagonal_when_perfect() -> None:
    svg = charts.calibration("Calibration", [(0.25, 0.25, 10), (0.75, 0.75, 10)])
    points = [tuple(map(float, p.split(","))) for p in re.search(r"class='line s0' points='([^']*)'", svg)[1].split()]  # type: ignore[index]
    (x1, y1), (x2, y2) = points
    assert abs((x2 - x1) + (y2 - y1)) < 0.2  # slope -1 in SVG coordinates: observed rises with predicted


def test_tables_escape_headers_and_pages_escape_titles() -> None:
    html = table([HOSTILE], [["cell"]], "Caption")
    assert HOSTILE not in html and "data-label='&lt;img" in html
    assert "Nothing here" in table(["A"], [], "Caption", "Nothing here")
    document = page(HOSTILE, "<p>body</p>", store="<s>", csrf="t")
    assert HOSTILE not in document and "<strong>&lt;s&gt;</strong>" in document
    assert (
        url("/course", id="https://x.org/c?a=1&b=2") == "/dashboard/course?id=https%3A%2F%2Fx.org%2Fc%3Fa%3D1%26b%3D2"
    )


def test_x_labels_are_thinned_so_they_do_not_overlap() -> None:
    labels = [f"11-{d:02d}" for d in range(1, 31)]
    svg = charts.bars("Per day", labels, [1.0] * 30)
    shown = re.findall(r"<text class='tick'[^>]*text-anchor='middle'>([^<]+)</text>", svg)
    assert 5 <= len(shown) < 30 and shown[0] == "11-01"
    assert "no data yet" in charts.bars("Nothing stored", labels, [0.0] * 30)
