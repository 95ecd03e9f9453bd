"""`monitor feed`: an Atom feed of new and growing stories, and a webhook (a local receiver on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from monitor.alerts import FeedInfo, pending, render_atom
from monitor.cli import main
from monitor.db import Database
from monitor.db.models import Article, Source, Story, StoryArticle
from tests.newsroom_archive import TOPIC, fill, when


class Receiver:
    """A webhook receiver on 127.0.0.1, port 0: it keeps the JSON bodies and answers ``status``."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                if receiver.status < 300:
                    receiver.bodies.append(body)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def archive(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    db = Database(db_url)
    ids = fill(db)
    yield db, ids
    db.dispose()


def _feed(db_url: str, out: Path, *args: str) -> Any:
    result = CliRunner().invoke(
        main, ["feed", "--db", db_url, "--topic", TOPIC, "--since", "2020-06-01", "-o", str(out), *args]
    )
    return result


def _grow(db: Database, story_id: int) -> None:
    """A new outlet covers the story: one more article, the story's updated_at moves."""
    with db.session() as session:
        source = Source(name="metro", title="Metro", language="en", created_at=when(1))
        session.add(source)
        session.flush()
        article = Article(url="https://metro.example/a", canonical_url="https://metro.example/a", source_id=source.id,
                          title="Amazon's Rekognition pause", text="Amazon Rekognition moratorium", language="en",
                          authors=[], fetched_at=when(22), published_at=when(12, 6), content_hash="metro")  # fmt: skip
        session.add(article)
        session.flush()
        session.add(StoryArticle(article_id=article.id, story_id=story_id, similarity=0.7, manual=False,
                                 added_at=when(22)))  # fmt: skip
        session.execute(update(Story).where(Story.id == story_id).values(updated_at=when(22), last_seen=when(12, 6)))


def test_feed_is_valid_atom_with_one_entry_per_story(archive: tuple[Database, dict[str, int]], tmp_path: Path) -> None:
    db, ids = archive
    out = tmp_path / "feed.xml"
    result = _feed(str(db.engine.url.render_as_string(hide_password=False)), out)
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    entries = {e.id: e for e in parsed.entries}
    assert set(entries) == {
        f"tag:facewatch-monitor,2024:story/{ids['story_amazon']}",
        f"tag:facewatch-monitor,2024:story/{ids['story_clearview']}",
    }
    amazon = entries[f"tag:facewatch-monitor,2024:story/{ids['story_amazon']}"]
    assert amazon.title == "Amazon pauses police use of Rekognition (3 articles, 3 outlets)"
    assert "courier, gazette, wire" in amazon.summary and "copy, AP" in amazon.content[0].value
    assert {t.term for t in amazon.tags} == {"en", "fr"}
    first_updated = amazon.updated

    _grow(db, ids["story_amazon"])
    _feed(str(db.engine.url.render_as_string(hide_password=False)), out)
    grown = feedparser.parse(out.read_bytes()).entries[0]  # the latest change first
    assert grown.id == amazon.id and grown.title.endswith("(4 articles, 4 outlets)")
    assert grown.updated > first_updated
    assert not list(tmp_path.glob("*.part"))


def test_webhook_sends_new_then_grown_stories_once(
    archive: tuple[Database, dict[str, int]], tmp_path: Path, receiver: Receiver
) -> None:
    db, ids = archive
    url = db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "feed.xml"
    first = _feed(url, out, "--webhook", receiver.url)
    assert first.exit_code == 0, first.output
    assert "2 new or grown stories delivered" in first.output
    assert {s["id"]: s["status"] for s in receiver.bodies[0]["stories"]} == {
        ids["story_amazon"]: "new",
        ids["story_clearview"]: "new",
    }
    assert receiver.bodies[0]["topic"] == TOPIC and receiver.bodies[0]["stories"][0]["articles"]

    again = _feed(url, out, "--webhook", receiver.url)
    assert "0 new or grown" in again.output and len(receiver.bodies) == 1  # nothing twice

    _grow(db, ids["story_amazon"])
    receiver.status = 503
    failed = _feed(url, out, "--webhook", receiver.url)
    assert failed.exit_code == 1 and "answered 503" in failed.output and "nothing marked as delivered" in failed.output
    receiver.status = 200
    retried = _feed(url, out, "--webhook", receiver.url)
    assert retried.exit_code == 0, retried.output
    grown = receiver.bodies[-1]["stories"]
    assert [(s["id"], s["status"], s["article_count"]) for s in grown] == [(ids["story_amazon"], "grown", 4)]


def test_webhook_unreachable_and_broken_state(archive: tuple[Database, dict[str, int]], tmp_path: Path) -> None:
    db, _ = archive
    url = db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "feed.xml"
    down = _feed(url, out, "--webhook", "http://127.0.0.1:9/hook")
    assert down.exit_code == 1 and "unreachable" in down.output
    assert out.exists()  # the feed is written even when the webhook fails
    state = tmp_path / "state.json"
    state.write_text("{broken", "utf-8")
    broken = _feed(url, out, "--webhook", "http://127.0.0.1:9/hook", "--state", str(state))
    assert broken.exit_code == 1 and "cannot read the webhook state" in broken.output
    assert state.read_text("utf-8") == "{broken"  # left for the user to look at


def test_render_atom_escapes_and_pending_is_pure() -> None:
    story = {"id": 7, "title": "<b>&</b>", "article_count": 2, "outlet_count": 1, "outlets": "x", "languages": "fr",
             "first_seen": "2020-06-10T00:00:00+00:00", "updated_at": "2020-06-11T00:00:00+00:00",
             "articles": [{"language": "fr", "url": "https://x.example/?a=1&b=2", "title": "<script>", "source": "x",
                           "published_at": "2020-06-10T00:00:00+00:00", "copy_of": None, "agency": None}]}  # fmt: skip
    xml = render_atom(FeedInfo(topic=None, title="t"), [story], datetime(2020, 6, 12, tzinfo=UTC))
    parsed = feedparser.parse(xml)
    assert not parsed.bozo and parsed.entries[0].title == "<b>&</b> (2 articles, 1 outlets)"
    assert b"<script>" not in xml
    assert pending([story], {"7": 2}) == [] and pending([story], {"7": 1}) == [story] and pending([story], {})
