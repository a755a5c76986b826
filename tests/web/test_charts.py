"""The SVG charts: figures in, an accessible, translated picture and its data table out."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale

from coalition.web.charts import daily_totals, member_states_chart, progress_chart, seven_state_date


def state(country, count, threshold, projected=None):
    return {"country": country, "count": count, "threshold": threshold,
            "projected_valid": int(count * 0.85) if projected is None else projected}


def widths(svg, css):
    return [float(value) for value in re.findall(rf'<rect class="{css}"[^>]* width="([\d.]+)"', svg)]


def test_member_states_are_sorted_by_share_of_their_threshold_and_the_threshold_is_marked(app):
    countries = [state("MT", 2000, 4320), state("DE", 80_000, 69_120), state("FR", 30_000, 57_600)]
    with app.test_request_context(), force_locale("de"):
        chart = member_states_chart(countries)
    assert [row[0] for row in chart.rows] == ["Deutschland", "Frankreich", "Malta"]
    assert chart.rows[0] == ["Deutschland", "80.000", "68.000", "69.120", "116\xa0%"]
    svg = str(chart.svg)
    assert '<title id="states-chart-title">Mitgliedstaaten und ihre Schwellenwerte</title>' in svg
    assert "1 von 3 Mitgliedstaaten" in svg and 'aria-labelledby="states-chart-title states-chart-desc"' in svg
    # Bars are shares of the threshold: the line at 100 % stands where a bar of ratio 1 ends.
    threshold_x = float(re.search(r'<line class="threshold" x1="([\d.]+)"', svg).group(1))
    bars = widths(svg, "reported met") + widths(svg, "reported")
    assert 120 + bars[0] > threshold_x > 120 + bars[1] > 120 + bars[2] > 120
    assert len(widths(svg, "projected")) == 3


def test_a_state_far_beyond_its_threshold_is_cut_and_names_are_escaped(app):
    with app.test_request_context(), force_locale("en"):
        chart = member_states_chart([state("DE", 1_000_000, 69_120), state("<b>", 1, 10)])
    svg = str(chart.svg)
    assert max(widths(svg, "reported met")) <= 480 and "<b>" not in svg and "&lt;b&gt;" in svg
    assert "1,447%" in svg


def test_the_progress_chart_projects_the_goal_and_the_member_state_rule(app):
    points = [(date(2026, 3, 2), 100_000), (date(2026, 3, 4), 150_000), (date(2026, 3, 9), 300_000)]
    with app.test_request_context(), force_locale("fr"):
        chart = progress_chart(points, 1_000_000, date(2026, 1, 1), date(2026, 12, 31), date(2026, 3, 9),
                               date(2026, 9, 1), date(2026, 6, 1))
    svg = str(chart.svg)
    assert 'class="projection"' in svg and 'class="states"' in svg and "<polyline" in svg
    assert "1 sept. 2026" in svg and "300\u202f000" in svg
    # One row per week, the latest figure last.
    assert chart.rows == [["4 mars 2026", "150\u202f000"], ["9 mars 2026", "300\u202f000"]]


def test_no_figures_yet_draw_the_goal_without_a_line(app):
    with app.test_request_context():
        chart = progress_chart([], 1_000_000, date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 2), None, None)
    assert "<polyline" not in str(chart.svg) and chart.rows == []


def test_the_member_state_rule_falls_on_the_seventh_states_date():
    today = date(2026, 3, 1)
    countries = [{"threshold": 10, "met": True, "projected_threshold_date": None}] * 5 + [
        {"threshold": 10, "met": False, "projected_threshold_date": date(2026, 5, day)} for day in (9, 3, 20)]
    assert seven_state_date(countries, today, 7) == date(2026, 5, 9)
    assert seven_state_date(countries[:6], today, 7) is None


def test_daily_totals_add_the_groups_of_a_day():
    series = {"series": [{"group": "online", "points": [{"period_start": date(2026, 3, 1), "figure": 5}]},
                         {"group": "paper", "points": [{"period_start": date(2026, 3, 1), "figure": 7},
                                                       {"period_start": date(2026, 3, 2), "figure": 9}]}]}
    assert daily_totals(series) == [(date(2026, 3, 1), 12), (date(2026, 3, 2), 9)]
