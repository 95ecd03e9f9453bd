"""Alerts: an Atom feed of new and growing stories, and an optional webhook that POSTs them as JSON.

The feed has one entry per story; its ``<updated>`` moves and its title gives the new counts whenever the
story grows, so feed readers show it again. The webhook remembers (in a small JSON state file) how many
articles each story had when it was last delivered: it POSTs only the stories that are new or have grown,
and the state advances only after the receiver answered 2xx, so a failed delivery is retried next time.
Rendering is pure; ``post_json`` is the only network call (plain HTTP POST, with a timeout).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID_PREFIX = "tag:facewatch-monitor,2024:"
USER_AGENT = "facewatch-monitor/0.1 (alerts)"


class AlertError(RuntimeError):
    """A feed or a webhook delivery that failed; the message is for the user."""


@dataclass(frozen=True)
class FeedInfo:
    topic: str | None
    title: str
    link: str | None = None  # where the feed is published, if it is


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def _summary(story: Mapping[str, Any]) -> str:
    return (
        f"{story['article_count']} article(s) from {story['outlet_count']} outlet(s) "
        f"({story['outlets'].replace(';', ', ')}); languages: {story['languages'].replace(';', ', ')}"
    )


def _content(story: Mapping[str, Any]) -> str:
    """The entry's HTML (escaped by the XML writer): the story's articles, in time order."""
    from html import escape

    items = []
    for article in story["articles"]:
        copy = f" (copy, {escape(article['agency'] or 'wire')})" if article.get("copy_of") else ""
        when = str(article.get("published_at") or article.get("fetched_at") or "")[:10]
        items.append(
            f'<li>[{escape(article["language"])}] <a href="{escape(article["url"])}">'
            f"{escape(article['title'] or article['url'])}</a> — {escape(article['source'])}, {when}{copy}</li>"
        )
    return f"<p>{escape(_summary(story))}</p><ul>{''.join(items)}</ul>"


def render_atom(info: FeedInfo, stories: Sequence[Mapping[str, Any]], now: datetime) -> bytes:
    """An Atom 1.0 document (RFC 4287): one entry per story, newest change first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"{FEED_ID_PREFIX}feed/{info.topic or 'all'}")
    _text(feed, "title", info.title)
    updated = max((str(s["updated_at"]) for s in stories), default=now.isoformat())
    _text(feed, "updated", updated)
    _text(feed, "generator", "facewatch-monitor")
    if info.link:
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": info.link})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "facewatch-monitor")
    for story in stories:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"{FEED_ID_PREFIX}story/{story['id']}")
        _text(entry, "title", f"{story['title']} ({story['article_count']} articles, {story['outlet_count']} outlets)")
        _text(entry, "updated", str(story["updated_at"]))
        _text(entry, "published", str(story["first_seen"]))
        if story["articles"]:
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": story["articles"][0]["url"]})
        for language in str(story["languages"]).split(";"):
            if language:
                ET.SubElement(entry, f"{{{ATOM}}}category", {"term": language, "label": f"language: {language}"})
        _text(entry, "summary", _summary(story))
        _text(entry, "content", _content(story), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers never see half a feed: write beside it, then rename over it."""
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AlertError(f"cannot write {path}: {exc.strerror}") from exc


# webhook ----------------------------------------------------------------------------------------------
def load_state(path: Path) -> dict[str, int]:
    """``{story id: article count delivered}``; an absent file is an empty state, a broken one an error."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise AlertError(f"cannot read the webhook state {path}: {exc}; fix or remove it") from exc
    if not isinstance(data, dict):
        raise AlertError(f"the webhook state {path} is not a JSON object; fix or remove it")
    return {str(k): int(v) for k, v in data.items()}


def pending(stories: Sequence[Mapping[str, Any]], state: Mapping[str, int]) -> list[Mapping[str, Any]]:
    """The stories that are new to the receiver or have grown since they were delivered."""
    return [s for s in stories if int(s["article_count"]) > state.get(str(s["id"]), 0)]


def payload(info: FeedInfo, stories: Sequence[Mapping[str, Any]], state: Mapping[str, int]) -> dict[str, Any]:
    return {
        "topic": info.topic,
        "stories": [
            {
                "id": s["id"],
                "title": s["title"],
                "status": "grown" if str(s["id"]) in state else "new",
                "article_count": s["article_count"],
                "outlet_count": s["outlet_count"],
                "outlets": [o for o in str(s["outlets"]).split(";") if o],
                "languages": [lang for lang in str(s["languages"]).split(";") if lang],
                "first_seen": s["first_seen"],
                "updated_at": s["updated_at"],
                "articles": [
                    {k: a.get(k) for k in ("id", "title", "url", "source", "language", "published_at", "copy_of")}
                    for a in s["articles"]
                ],
            }
            for s in stories
        ],
    }


def post_json(url: str, body: Mapping[str, Any], timeout: float = 10.0) -> int:
    """POST ``body`` as JSON; the HTTP status, or ``AlertError`` when the receiver cannot be reached or refuses."""
    if not url.startswith(("http://", "https://")):
        raise AlertError(f"webhook URL must be http(s): {url}")
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http(s) only, checked above
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise AlertError(f"webhook {url} answered {exc.code} {exc.reason}: nothing marked as delivered") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AlertError(f"webhook {url} unreachable ({reason}): nothing marked as delivered") from exc


def deliver(url: str, info: FeedInfo, stories: Sequence[Mapping[str, Any]], state_path: Path) -> int:
    """POST the new and grown stories; advance the state only after a 2xx. Returns how many were sent."""
    state = load_state(state_path)
    due = pending(stories, state)
    if not due:
        return 0
    post_json(url, payload(info, due, state))
    state.update({str(s["id"]): int(s["article_count"]) for s in due})
    write_atomically(state_path, json.dumps(state, indent=0, sort_keys=True).encode("utf-8"))
    return len(due)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FeedJob:
    """What ``monitor feed`` (or the daemon after each run) refreshes: one feed, optionally one webhook."""

    output: Path
    topic: str | None = None
    since: datetime | None = None  # stories changed since then; None: the last 7 days
    limit: int = 50
    title: str | None = None
    link: str | None = None
    webhook: str | None = None
    state: Path | None = None  # the webhook's state file; None: beside the feed


@dataclass(frozen=True)
class FeedResult:
    entries: int
    delivered: int


def refresh(database: Any, job: FeedJob, now: datetime | None = None) -> FeedResult:
    """Write the feed of ``job`` from the archive, then deliver the webhook if there is one."""
    from datetime import timedelta

    from monitor.db.queries import recent_stories

    moment = now or now_utc()
    stories = recent_stories(database, job.topic, job.since or moment - timedelta(days=7), job.limit)
    title = job.title or (f"New and growing stories: {job.topic}" if job.topic else "New and growing stories")
    info = FeedInfo(topic=job.topic, title=title, link=job.link)
    write_atomically(job.output, render_atom(info, stories, moment))
    delivered = 0
    if job.webhook:
        state = job.state or job.output.with_name(job.output.name + ".webhook.json")
        delivered = deliver(job.webhook, info, stories, state)
    return FeedResult(entries=len(stories), delivered=delivered)
