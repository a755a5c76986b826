"""Charts people read at a glance, drawn on the server as SVG: no script, printable, accessible.

Each chart is a `Chart`: the SVG (whose <title> and <desc> name and describe it) and the data
table the page shows beside it, made from the same figures. Labels and numbers follow the
request's language (Babel, through flask-babel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from markupsafe import Markup, escape

from coalition.i18n import _
from coalition.web.labels import country_name, format_decimal, format_percent

WIDTH = 480
LABEL_WIDTH = 120
ROW = 22
# Past this multiple of its threshold a state's bar is cut (its figure is in the label).
MAX_RATIO = 2.0


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: Markup
    columns: list[str]
    rows: list[list[str]]


def _text(x: float, y: float, content: str, anchor: str = "start", css: str = "") -> str:
    css = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css}>{escape(content)}</text>'


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>")


def member_states_chart(countries: list[dict]) -> Chart:
    """Each member state's reported and projected-valid figure against its threshold (100 %),
    the largest share of its threshold first, the threshold marked."""
    rows = sorted((row for row in countries if row.get("threshold")),
                  key=lambda row: (-row["count"] / row["threshold"], row["country"]))
    over = sum(1 for row in rows if row["count"] >= row["threshold"])
    title = _("Member states against their thresholds")
    description = _("%(over)s of %(states)s member states have reported figures at or above their threshold. "
                    "Bars show reported and projected valid figures as a share of each threshold.",
                    over=over, states=len(rows))
    left, right = LABEL_WIDTH, WIDTH - 56
    scale = (right - left) / MAX_RATIO
    top = 18
    legend = top + ROW * len(rows) + 8
    height = legend + 16
    threshold_x = left + scale
    body = [_text(threshold_x, 12, _("threshold"), "middle", "small"),
            f'<rect class="reported legend" x="{left}" y="{legend}" width="12" height="10"/>',
            _text(left + 16, legend + 9, _("reported"), css="small"),
            f'<rect class="projected legend" x="{left + 130}" y="{legend}" width="12" height="10"/>',
            _text(left + 146, legend + 9, _("projected valid"), css="small")]
    for index, row in enumerate(rows):
        y = top + index * ROW
        ratio, projected = row["count"] / row["threshold"], row["projected_valid"] / row["threshold"]
        body.append(_text(left - 6, y + 13, country_name(row["country"]), "end"))
        body.append(f'<rect class="reported{" met" if ratio >= 1 else ""}" x="{left}" y="{y + 3}" '
                    f'width="{min(ratio, MAX_RATIO) * scale:.1f}" height="9"/>')
        body.append(f'<rect class="projected" x="{left}" y="{y + 13}" width="{min(projected, MAX_RATIO) * scale:.1f}" '
                    'height="5"/>')
        body.append(_text(right + 4, y + 13, format_percent(ratio), css="small"))
    body.append(f'<line class="threshold" x1="{threshold_x:.1f}" y1="{top - 2}" x2="{threshold_x:.1f}" '
                f'y2="{legend - 4}"/>')
    table = [[country_name(row["country"]), format_decimal(row["count"]), format_decimal(row["projected_valid"]),
              format_decimal(row["threshold"]), format_percent(row["count"] / row["threshold"])] for row in rows]
    return Chart("states-chart", title, description, _svg("states-chart", title, description, height, body),
                 [_("Member state"), _("Reported"), _("Projected valid"), _("Threshold"), _("Share of threshold")],
                 table)


def seven_state_date(countries: list[dict], today: date, required: int) -> date | None:
    """The day the `required`-th member state reaches its threshold at its recent pace."""
    days = sorted(today if row["met"] else row["projected_threshold_date"]
                  for row in countries if row.get("threshold") and (row["met"] or row["projected_threshold_date"]))
    return days[required - 1] if len(days) >= required else None


def progress_chart(points: list[tuple[date, int]], goal: int, starts_on: date, ends_on: date, today: date,
                   goal_date: date | None, states_date: date | None) -> Chart:
    """The total over time, the goal, the end of collection and the dates projected at the recent
    pace: the goal, and the member-state rule."""
    total = points[-1][1] if points else 0
    last_day = max([ends_on, *(day for day in (goal_date, states_date) if day)])
    top_figure = max(goal, total, 1)
    left, right, top, bottom = 64, WIDTH - 8, 12, 200
    span = max((last_day - starts_on).days, 1)

    def x(day: date) -> float:
        return left + (right - left) * (day - starts_on).days / span

    def y(figure: int) -> float:
        return bottom - (bottom - top) * figure / top_figure

    title = _("Signatures over time")
    description = _("%(total)s signatures reported of a goal of %(goal)s.", total=format_decimal(total),
                    goal=format_decimal(goal))
    if goal_date:
        description += " " + _("At the pace of the last two weeks the goal is reached on %(day)s.",
                               day=format_date(goal_date))
    if states_date:
        description += " " + _("The member-state rule is met on %(day)s at the same pace.", day=format_date(states_date))
    body = [f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
            f'<line class="goal" x1="{left}" y1="{y(goal):.1f}" x2="{right}" y2="{y(goal):.1f}"/>',
            _text(left - 4, y(goal) + 4, format_decimal(goal), "end", "small"),
            _text(left - 4, bottom + 4, format_decimal(0), "end", "small"),
            _text(left, bottom + 16, format_date(starts_on, "short"), css="small"),
            _text(x(ends_on), bottom + 16, format_date(ends_on, "short"), "middle", "small"),
            f'<line class="end" x1="{x(ends_on):.1f}" y1="{top}" x2="{x(ends_on):.1f}" y2="{bottom}"/>']
    if points:
        line = " ".join(f"{x(day):.1f},{y(figure):.1f}" for day, figure in [(starts_on, 0), *points])
        body.append(f'<polyline class="total" points="{line}"/>')
    if goal_date:
        body.append(f'<line class="projection" x1="{x(today):.1f}" y1="{y(total):.1f}" x2="{x(goal_date):.1f}" '
                    f'y2="{y(goal):.1f}"/>')
    if states_date:
        body.append(f'<line class="states" x1="{x(states_date):.1f}" y1="{top}" x2="{x(states_date):.1f}" '
                    f'y2="{bottom}"/>')
        body.append(_text(x(states_date), top + 10, _("7 states"), "middle", "small"))
    legend = ((_("goal"), "goal"), (_("end of collection"), "end"), (_("projection"), "projection"))
    for index, (label, css) in enumerate(legend):
        at = left + index * 130
        body.append(f'<line class="{css}" x1="{at}" y1="{bottom + 29}" x2="{at + 18}" y2="{bottom + 29}"/>')
        body.append(_text(at + 22, bottom + 33, label, css="small"))
    table = [[format_date(day), format_decimal(figure)] for day, figure in _weekly(points)]
    return Chart("progress-chart", title, description, _svg("progress-chart", title, description, bottom + 40, body),
                 [_("Day"), _("Signatures")], table)


def _weekly(points: list[tuple[date, int]]) -> list[tuple[date, int]]:
    """The figure at the end of each week, and the latest: a table a person can read."""
    return [point for index, point in enumerate(points)
            if index == len(points) - 1 or point[0].isocalendar()[:2] != points[index + 1][0].isocalendar()[:2]]


def daily_totals(series: dict) -> list[tuple[date, int]]:
    """The campaign's total at the end of each day, from `signature_series` grouped by anything."""
    by_day: dict[date, int] = {}
    for group in series["series"]:
        for point in group["points"]:
            by_day[point["period_start"]] = by_day.get(point["period_start"], 0) + point["figure"]
    return sorted(by_day.items())
