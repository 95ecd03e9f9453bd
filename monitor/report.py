"""The weekly digest as one static HTML page (pure: data in, HTML out).

Stories ranked by the number of outlets that covered them, each with its articles, outlets and languages,
and a timeline of the coverage: articles per day, one colour per language, drawn as inline SVG (a small
inline script only shows a bar's figures on hover). Every text from the archive is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from monitor.report_template import PAGE

COLOURS = {"fr": "var(--fr)", "en": "var(--en)"}
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


@dataclass(frozen=True)
class ReportData:
    since: date
    until: date  # inclusive
    per_day: Mapping[tuple[str, str], int]  # (ISO day, language) -> articles
    stories: Sequence[Mapping[str, Any]]  # iter_stories rows, each with "articles"
    generated: datetime


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


def _languages(per_day: Mapping[tuple[str, str], int]) -> list[str]:
    found = {language for _, language in per_day}
    return [lang for lang in ("fr", "en") if lang in found] + sorted(found - {"fr", "en"})


def chart(data: ReportData, width: int = 900, height: int = 260) -> str:
    """Stacked bars of articles per day per language, as an inline SVG with its legend."""
    days = _days(data.since, data.until)
    languages = _languages(data.per_day)
    totals = [sum(data.per_day.get((d.isoformat(), lang), 0) for lang in languages) for d in days]
    top = max(max(totals, default=0), 1)
    left, bottom, right, top_margin = 36, 28, 8, 10
    plot_w, plot_h = width - left - right, height - bottom - top_margin
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.72, 1.0)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Articles per day and language">',
        f'<line x1="{left}" y1="{top_margin + plot_h}" x2="{width - right}" y2="{top_margin + plot_h}" '
        'stroke="#d9dee6"/>',
    ]
    for tick in sorted({0, top // 2, top}):
        y = top_margin + plot_h - plot_h * tick / top
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#eef1f5"/>')
    label_every = max(1, len(days) // 10)
    for index, day in enumerate(days):
        x = left + index * slot + (slot - bar_w) / 2
        y = top_margin + plot_h
        pieces = []
        for language in languages:
            count = data.per_day.get((day.isoformat(), language), 0)
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            colour = COLOURS.get(language, "var(--other)")
            pieces.append(f"{count} {escape(language)}")
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        label = f"{day.isoformat()}: {totals[index]} article(s)" + (f" ({', '.join(pieces)})" if pieces else "")
        parts.append(
            f'<rect class="bar" x="{left + index * slot:.1f}" y="{top_margin}" width="{slot:.1f}" '
            f'height="{plot_h}" fill="transparent" data-label="{escape(label)}"><title>{escape(label)}</title></rect>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text class="axis" x="{left + index * slot + slot / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{day.strftime("%d %b")}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLOURS.get(lang, "var(--other)")}"></i>'
        f"{escape(LANGUAGE_NAMES.get(lang, lang))}</span>"
        for lang in languages
    )
    return "\n".join(parts) + f'\n<div class="legend">{legend}</div>'


def _story(story: Mapping[str, Any]) -> str:
    languages = "".join(
        f'<span class="tag {escape(lang)}">{escape(lang)}</span>' for lang in str(story["languages"]).split(";") if lang
    )
    outlets = ", ".join(escape(o) for o in str(story["outlets"]).split(";") if o)
    items = []
    for article in story["articles"]:
        when = str(article.get("published_at") or article.get("fetched_at") or "")[:10]
        copy = f' <span class="copy">copy ({escape(article["agency"] or "wire")})</span>' if article["copy_of"] else ""
        text = escape(article["title"] or article["url"])
        link = f'<a href="{escape(article["url"])}" rel="noopener noreferrer">{text}'
        items.append(
            f'<li><span class="tag {escape(article["language"])}">{escape(article["language"])}</span>{link}</a>'
            f" — {escape(article['source'])}, {escape(when)}{copy}</li>"
        )
    return (
        f'<li class="story"><h2>{escape(story["title"])}</h2>'
        f'<p class="meta">{languages} {story["outlet_count"]} outlet(s): {outlets} · {story["article_count"]} '
        f"article(s) · {escape(str(story['first_seen'])[:10])} → {escape(str(story['last_seen'])[:10])}</p>"
        f'<ul class="articles">{"".join(items)}</ul></li>'
    )


def render(data: ReportData, title: str = "Facial recognition in the news") -> str:
    """The whole page."""
    total = sum(data.per_day.values())
    by_language = {
        lang: sum(n for (_, lg), n in data.per_day.items() if lg == lang) for lang in _languages(data.per_day)
    }
    totals = [f"<div><b>{total}</b>articles</div>", f"<div><b>{len(data.stories)}</b>stories</div>"]
    totals += [f"<div><b>{n}</b>in {escape(LANGUAGE_NAMES.get(lang, lang))}</div>" for lang, n in by_language.items()]
    stories = (
        '<ol class="stories">' + "".join(_story(s) for s in data.stories) + "</ol>"
        if data.stories
        else '<p class="empty">No story in this period.</p>'
    )
    period = f"{data.since.isoformat()} → {data.until.isoformat()} (UTC)"
    return PAGE.format(
        lang="en",
        title=escape(title),
        period=escape(period),
        totals="".join(totals),
        chart=chart(data),
        caption="Articles per day and language: hover a day for its figures.",
        stories=stories,
        generated=escape(data.generated.strftime("%Y-%m-%d %H:%M UTC")),
    )
