"""Reads and writes of stories: listing, manual merge and split (recorded as fixes), regrouping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from monitor.db.models import Article, ArticleTopic, Copy, Source, Story, StoryArticle, StoryFix
from monitor.db.session import Database
from monitor.db.store import article_time_column, utcnow
from monitor.stories import Member, representative_headlines
from monitor.story_regroup import Fix, RegroupItem

STORY_LIST_COLUMNS = [
    "id",
    "title",
    "headlines",
    "first_seen",
    "last_seen",
    "article_count",
    "outlet_count",
    "outlets",
    "languages",
]


class StoryError(Exception):
    """A manual fix that cannot be done (unknown story, article not in the story…): nothing was changed."""


@dataclass
class RegroupReport:
    articles: int = 0
    context: int = 0
    stories_before: int = 0
    stories_after: int = 0
    kept_ids: int = 0
    opened: int = 0
    removed: int = 0
    moved: int = 0
    fixes: int = 0
    changed_stories: set[int] = field(default_factory=set)


def _when() -> ColumnElement[Any]:
    return article_time_column()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def format_headlines(headlines: Mapping[str, str]) -> str:
    return " | ".join(f"[{language}] {title}" for language, title in headlines.items())


class StoryStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    # reading -------------------------------------------------------------------------------------
    def _members(self, session: Session, story_ids: Sequence[int]) -> dict[int, list[tuple[Member, str]]]:
        """``{story_id: [(member, outlet)]}`` in publication order."""
        found: dict[int, list[tuple[Member, str]]] = {sid: [] for sid in story_ids}
        for start in range(0, len(story_ids), 500):
            chunk = list(story_ids[start : start + 500])
            rows = session.execute(
                select(StoryArticle.story_id, Article.id, Article.language, Article.title, Source.name, Copy.article_id)
                .join(Article, Article.id == StoryArticle.article_id)
                .join(Source, Source.id == Article.source_id)
                .outerjoin(Copy, Copy.article_id == Article.id)
                .where(StoryArticle.story_id.in_(chunk))
                .order_by(_when(), Article.id)
            )
            for story_id, article_id, language, title, outlet, copy in rows:
                found[story_id].append((Member(article_id, language, title, copy is not None), outlet))
        return found

    @staticmethod
    def _row(story: Story, members: list[tuple[Member, str]]) -> dict[str, Any]:
        headlines = representative_headlines([m for m, _ in members])
        outlets = sorted({outlet for _, outlet in members})
        return {
            "id": story.id,
            "title": story.title,
            "headlines": format_headlines(headlines),
            "headline_by_language": headlines,
            "first_seen": _iso(story.first_seen),
            "last_seen": _iso(story.last_seen),
            "article_count": len(members),
            "outlet_count": len(outlets),
            "outlets": ";".join(outlets),
            "languages": ";".join(sorted({m.language for m, _ in members})),
            "merged_into": story.merged_into,
        }

    def iter_stories(
        self,
        since: datetime | None = None,
        language: str | None = None,
        topic: str | None = None,
        min_articles: int = 1,
        batch: int = 200,
    ) -> Iterator[dict[str, Any]]:
        """Stories seen since ``since``, with an article in ``language`` / matched by ``topic``;
        the most covered (outlets, then articles) first."""
        with self.db.session() as session:
            outlets = func.count(func.distinct(Article.source_id))
            articles = func.count(StoryArticle.article_id)
            query = (
                select(Story.id)
                .join(StoryArticle, StoryArticle.story_id == Story.id)
                .join(Article, Article.id == StoryArticle.article_id)
                .group_by(Story.id)
                .having(articles >= min_articles)
                .order_by(outlets.desc(), articles.desc(), Story.last_seen.desc(), Story.id)
            )
            if since is not None:
                query = query.where(Story.last_seen >= since)
            if language:
                in_language = select(StoryArticle.article_id).join(Article, Article.id == StoryArticle.article_id)
                query = query.where(
                    in_language.where(StoryArticle.story_id == Story.id, Article.language == language).exists()
                )
            if topic:
                matched = select(StoryArticle.article_id).join(
                    ArticleTopic, ArticleTopic.article_id == StoryArticle.article_id
                )
                query = query.where(
                    matched.where(StoryArticle.story_id == Story.id, ArticleTopic.topic == topic).exists()
                )
            story_ids = list(session.scalars(query))
        for start in range(0, len(story_ids), batch):
            chunk = story_ids[start : start + batch]
            with self.db.session() as session:
                stories = {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(chunk)))}
                members = self._members(session, chunk)
            for story_id in chunk:
                yield self._row(stories[story_id], members[story_id])

    def summary(self, story_id: int) -> dict[str, Any] | None:
        with self.db.session() as session:
            story = session.get(Story, story_id)
            if story is None:
                return None
            return self._row(story, self._members(session, [story_id])[story_id])

    # manual fixes --------------------------------------------------------------------------------
    def _story(self, session: Session, story_id: int) -> Story:
        story = session.get(Story, story_id)
        if story is None:
            raise StoryError(f"no story {story_id}")
        if story.merged_into is not None:
            raise StoryError(f"story {story_id} was merged into story {story.merged_into}")
        return story

    @staticmethod
    def _article_ids(session: Session, story_id: int) -> list[int]:
        return list(
            session.scalars(
                select(StoryArticle.article_id)
                .where(StoryArticle.story_id == story_id)
                .order_by(StoryArticle.article_id)
            )
        )

    @staticmethod
    def refresh(session: Session, story_id: int) -> bool:
        """First and last seen recomputed from the articles; False when the story has none left."""
        first, last = session.execute(
            select(func.min(_when()), func.max(_when()))
            .join(StoryArticle, StoryArticle.article_id == Article.id)
            .where(StoryArticle.story_id == story_id)
        ).one()
        story = session.get(Story, story_id)
        if story is None or first is None:
            return False
        story.first_seen, story.last_seen, story.updated_at = first, last, utcnow()
        return True

    def merge(self, keep: int, other: int) -> int:
        """Move every article of story ``other`` into story ``keep``; returns how many moved."""
        if keep == other:
            raise StoryError("cannot merge a story into itself")
        with self.db.session() as session:
            kept, merged = self._story(session, keep), self._story(session, other)
            moved = self._article_ids(session, other)
            staying = self._article_ids(session, keep)
            for link in session.scalars(select(StoryArticle).where(StoryArticle.story_id == other)):
                link.story_id, link.manual = keep, True
            for earlier in session.scalars(select(Story).where(Story.merged_into == other)):
                earlier.merged_into = keep
            merged.merged_into = kept.id
            session.flush()
            self.refresh(session, keep)
            session.add(
                StoryFix(
                    kind="merge",
                    story_id=keep,
                    other_story_id=other,
                    article_ids=moved,
                    other_article_ids=staying,
                    created_at=utcnow(),
                )
            )
        return len(moved)

    def split(self, story_id: int, article_ids: Sequence[int]) -> int:
        """Move ``article_ids`` out of ``story_id`` into a new story; returns the new story's id."""
        wanted = sorted(set(article_ids))
        if not wanted:
            raise StoryError("name the articles to take out of the story")
        with self.db.session() as session:
            story = self._story(session, story_id)
            members = self._article_ids(session, story_id)
            strangers = [a for a in wanted if a not in set(members)]
            if strangers:
                raise StoryError(f"not in story {story_id}: article(s) {', '.join(map(str, strangers))}")
            staying = [a for a in members if a not in set(wanted)]
            if not staying:
                raise StoryError(f"that is every article of story {story_id}: nothing would be split")
            first = session.execute(
                select(Article.title, _when()).where(Article.id.in_(wanted)).order_by(_when(), Article.id).limit(1)
            ).one()
            now = utcnow()
            new = Story(
                title=first[0] or story.title, first_seen=first[1], last_seen=first[1], created_at=now, updated_at=now
            )
            session.add(new)
            session.flush()
            for link in session.scalars(select(StoryArticle).where(StoryArticle.article_id.in_(wanted))):
                link.story_id, link.manual = new.id, True
            session.flush()
            self.refresh(session, new.id)
            self.refresh(session, story_id)
            session.add(
                StoryFix(
                    kind="split",
                    story_id=new.id,
                    other_story_id=story_id,
                    article_ids=wanted,
                    other_article_ids=staying,
                    created_at=now,
                )
            )
            return new.id

    def fixes(self) -> list[Fix]:
        with self.db.session() as session:
            return [
                Fix(f.kind, tuple(f.article_ids), tuple(f.other_article_ids))
                for f in session.scalars(select(StoryFix).order_by(StoryFix.id))
            ]

    # regrouping ----------------------------------------------------------------------------------
    def regroup_items(self, since: datetime | None, context: timedelta) -> Iterator[RegroupItem]:
        """Articles in publication order: those before ``since`` (within ``context``) flagged as context."""
        when = _when()
        query = (
            select(Article.id, Article.title, Article.text, Article.language, when, StoryArticle.story_id)
            .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
            .order_by(when, Article.id)
        )
        if since is not None:
            query = query.where(when >= since - context)
        with self.db.session() as session:
            for article_id, title, text, language, at, story_id in session.execute(query).yield_per(1000):
                is_context = since is not None and at < since
                if is_context and story_id is None:
                    continue
                yield RegroupItem(article_id, title, text, language, at, story_id, is_context)

    def apply_regroup(
        self,
        items: Mapping[int, RegroupItem],
        labels: Mapping[int, int],
        mapping: Mapping[int, int | None],
        manual: set[int],
    ) -> RegroupReport:
        """Write the rebuilt grouping of the non-context ``items`` in one transaction."""
        report = RegroupReport()
        regrouped = {a: label for a, label in labels.items() if not items[a].context}
        report.articles, report.context = len(regrouped), len(labels) - len(regrouped)
        with self.db.session() as session:
            report.stories_before = session.scalar(select(func.count()).select_from(Story)) or 0
            groups: dict[int, list[int]] = {}
            for article_id in sorted(regrouped, key=lambda a: (items[a].when, a)):
                groups.setdefault(regrouped[article_id], []).append(article_id)
            new_ids: dict[int, int] = {}
            for label, members in sorted(groups.items(), key=lambda kv: (items[kv[1][0]].when, kv[1][0])):
                if mapping.get(label) is not None:
                    report.kept_ids += 1
                    continue
                first = items[members[0]]
                now = utcnow()
                story = Story(
                    title=first.title or first.text[:120],
                    first_seen=first.when,
                    last_seen=first.when,
                    created_at=now,
                    updated_at=now,
                )
                session.add(story)
                session.flush()
                new_ids[label] = story.id
                report.opened += 1
            links = {
                link.article_id: link
                for start in range(0, len(regrouped), 500)
                for link in session.scalars(
                    select(StoryArticle).where(StoryArticle.article_id.in_(list(regrouped)[start : start + 500]))
                )
            }
            touched: set[int] = set()
            for article_id in sorted(regrouped):
                label = regrouped[article_id]
                target = mapping.get(label) or new_ids[label]
                link = links.get(article_id)
                if link is None:
                    session.add(
                        StoryArticle(
                            article_id=article_id,
                            story_id=target,
                            similarity=0.0,
                            manual=article_id in manual,
                            added_at=utcnow(),
                        )
                    )
                    report.moved += 1
                elif link.story_id != target:
                    touched.add(link.story_id)
                    link.story_id = target
                    report.moved += 1
                link_manual = article_id in manual
                if link is not None and link.manual != link_manual:
                    link.manual = link_manual
                touched.add(target)
            session.flush()
            for story_id in sorted(touched):
                if not self.refresh(session, story_id):
                    emptied = session.get(Story, story_id)
                    if emptied is not None and emptied.merged_into is None:
                        session.execute(update(Story).where(Story.merged_into == story_id).values(merged_into=None))
                        session.execute(delete(Story).where(Story.id == story_id))
                        report.removed += 1
            report.changed_stories = touched
            report.stories_after = session.scalar(select(func.count()).select_from(Story)) or 0
        return report
