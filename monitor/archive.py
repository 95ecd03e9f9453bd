"""The archive service: dedup, copies and stories around the store, shared by crawls and ingestion.

Several processes may write at once (daemon crawls, workers, ingest): each article is added under an
archive-wide write lock, after indexing what the other processes stored since, so that they all group
stories and find copies as one process would.

Three levels, each a relation, none deleting anything: the same article (one canonical URL, or the
same normalised text from one source) is not stored twice; a copy (a near-duplicate text, a wire story
republished) is stored with a ``copies`` row pointing at the earliest publication and the agency
credited; every article joins a story (``story_articles``).

One article, one transaction: the article row, its raw HTML, its topics, its copy link and its story
link are committed together or not at all, so a killed process leaves no half-written article.
The in-memory indexes (copies, stories) hold the open window only; they are updated after the commit
and reloaded from the archive (the articles of the last windows, in article time) when a run starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.article import Article
from monitor.dates import as_aware
from monitor.db.seen import ARCHIVED_AS, remember
from monitor.db.session import Database
from monitor.db.store import Store, WindowArticle, metadata_values, utcnow
from monitor.dedup import CopyIndex, agency_credit
from monitor.prepared import Prepared, prepare
from monitor.stories import FeatureExtractor, StoryIndex, load_lexicon
from monitor.story_index import Assignment, any_between
from monitor.topics import TopicMatch
from monitor.urls import canonical_url


@dataclass(frozen=True)
class SourceRef:
    name: str
    title: str | None = None
    language: str | None = None
    homepage: str | None = None


@dataclass(frozen=True)
class RawHtml:
    body: bytes
    encoding: str | None = None
    content_type: str | None = None
    status: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: str  # "stored" or "duplicate"
    article_id: int
    copy_of: int | None = None
    story_id: int | None = None
    new_story: bool = False


@dataclass(frozen=True)
class ArchiveSettings:
    story_window: timedelta = timedelta(days=3)  # a story stays open while it receives articles
    load_window: timedelta = timedelta(days=14)  # article time reloaded into the indexes at start
    copy_threshold: float = 0.6  # MinHash Jaccard of word 5-shingles
    copy_window: timedelta = timedelta(days=7)  # how long a text can be found again as a copy
    expire_every: int = 100  # articles between two expiries of the indexes


class Archive:
    def __init__(self, database: Database, settings: ArchiveSettings | None = None) -> None:
        self.settings = settings or ArchiveSettings()
        self.store = Store(database)
        self.features = FeatureExtractor(load_lexicon())
        self.copies = CopyIndex(threshold=self.settings.copy_threshold)
        self.stories = StoryIndex(window=self.settings.story_window)
        self._added = 0
        self._source_ids: dict[str, int] = {}  # source name -> id, once committed
        # The indexes are loaded with the first article added: a crawl that stores nothing (a poll that
        # finds every feed unchanged) does not rebuild them from the window, at ~5 ms per archived article.
        self._loaded = False
        self._covered: list[tuple[datetime, datetime]] = []  # the periods of article time loaded in the indexes
        self._indexed: set[int] = set()  # the articles in the indexes, loaded, caught up or added here
        self._seen_id = 0  # once loaded: every article up to this id is in the indexes

    def warm_up(self) -> None:
        """Load now what the first article needs: the indexes of the open window and the LSH (and numpy).
        The storage thread calls it when a crawl expects pages, while discovery fetches feeds; else the
        first article pays for it while the next ones wait."""
        self._load()
        self.copies.warm_up()

    def _load(self) -> None:
        if not self._loaded:
            self._seen_id = self.store.max_article_id()
            self._load_window()
            self._loaded = True

    @property
    def _span(self) -> timedelta:
        return max(self.settings.load_window, 2 * self.settings.story_window, self.settings.copy_window)

    def _load_window(self) -> None:
        """Rebuild the in-memory indexes from the open window of the archive."""
        bounds = self.store.window_bounds(self._span)
        if bounds is not None:
            self._index_rows(self.store.articles_between(*bounds))
            self._covered.append((as_aware(bounds[0]), datetime.max.replace(tzinfo=UTC)))  # and all after it
        self._expire()

    def _load_period(self, when: datetime) -> None:
        """An article of another time than the open window (an ingest of last year's file after this year's,
        a late crawl of old pages): the archive's articles around its time join the indexes, so that it
        finds its story and the text it copies. Loaded once per period; what this process added since it
        loaded is in the indexes already."""
        if any(start <= when <= end for start, end in self._covered):
            return
        since, until = when - self._span, when + self._span
        rows = self.store.articles_between(since, until, max_id=self._seen_id)
        self._index_rows(row for row in rows if row.id not in self._indexed)
        self._covered.append((since, until))

    def _index_rows(self, rows: Iterable[WindowArticle]) -> None:
        facets = self.store.merged_facets()  # a story merged by hand keeps its own centroid in the index
        for row in rows:
            when = as_aware(row.when)
            self._indexed.add(row.id)
            self.copies.add(row.id, row.text, when)
            if row.story_id is not None:
                features = self.features.extract(row.title, row.text, row.language)
                self.stories.add(facets.get(row.id, row.story_id), features, when)

    def _catch_up(self, session: Any) -> None:
        """Index the articles other processes stored since this one last looked (under the write lock)."""
        for row in self.store.articles_after(session, self._seen_id):
            when = as_aware(row.when)
            self._indexed.add(row.id)
            self.copies.add(row.id, row.text, when)
            if row.story_id is not None:
                self.stories.add(row.story_id, self.features.extract(row.title, row.text, row.language), when)
            self._seen_id = max(self._seen_id, row.id)

    def _expire(self) -> None:
        """Close the stories and forget the texts that fell out of the window."""
        latest = self.stories.latest
        if latest is not None:
            self.stories.expire()
            # a text within a copy window of one of the last articles is kept: articles of another time arriving
            # among today's still find the texts of their time (and one odd date keeps only its neighbours)
            recent, window = self.stories.recent_times(), self.settings.copy_window
            self.copies.expire(latest - window, keep=lambda when: any_between(recent, when - window, when + window))

    def _record_copy(
        self, session: Any, article_id: int, article: Article, prepared: Prepared, when: datetime
    ) -> int | None:
        """Link a repeated text to the earliest publication of it; returns the original's id.

        Crawls do not meet articles in publication order: when the new article was published before
        the texts it repeats, it becomes the original and the earlier-archived copies point to it. When
        it repeats texts that were not yet known as copies of each other, their groups are joined.
        """
        matches = self.copies.matches_signature(prepared.signature_values, prepared.word_count)
        window = self.settings.copy_window  # the same text years apart is a republication, not a wire copy
        matches = [m for m in matches if _within(self.store.article_time(session, m.original_id), when, window)]
        if not matches:
            return None
        agency = article.agency or agency_credit(article.text, "; ".join(article.authors))
        similarity: dict[int, float] = {}
        for match in matches:
            root = self.store.copy_root(session, match.original_id)
            similarity.setdefault(root, match.similarity)
        timed = []
        for root in similarity:
            root_when = self.store.article_time(session, root)
            timed.append((as_aware(root_when) if root_when is not None else when, root))
        timed.sort()
        earliest_when, earliest = timed[0]
        if when < earliest_when:
            for _, root in timed:
                self._demote(session, root, article_id, similarity[root])
            return None
        for _, root in timed[1:]:
            self._demote(session, root, earliest, similarity[root])
        self.store.add_copy(session, article_id, earliest, similarity[earliest], agency)
        return earliest

    def _demote(self, session: Any, original: int, earlier: int, similarity: float) -> None:
        """``original`` turns out to repeat ``earlier``: it and its copies become copies of ``earlier``."""
        text, byline = self.store.article_credit_text(session, original)
        agency = agency_credit(text, byline)
        self.store.make_original(
            session, new_original=earlier, old_original=original, similarity=similarity, agency=agency
        )

    def is_archived(self, url: str) -> bool:
        return bool(self.store.archived([canonical_url(url)]))

    def remember_seen(self, url: str, source: SourceRef, reason: str, detail: str) -> None:
        """Record a page fetched and dropped (``monitor.db.seen``): later crawls skip it while the reason
        (``off_topic``, ``not_article``) holds."""
        source_id = self._source_ids.get(source.name)
        with self.store.db.session() as session:
            if source_id is None:
                source_id = self.store.source_id(session, source.name, source.title, source.language, source.homepage)
            remember(session, canonical_url(url), source_id, reason, detail, utcnow())
        self._source_ids[source.name] = source_id

    def add(
        self,
        article: Article,
        source: SourceRef,
        topics: list[TopicMatch],
        raw: RawHtml | None = None,
        external_id: str | None = None,
        prepared: Prepared | None = None,
        requested_url: str | None = None,
    ) -> Outcome:
        """Store ``article`` (already language-tagged and topic-matched) unless it is there already.

        ``requested_url``: the URL the crawl asked for; when it is not the canonical URL the article is
        archived under, it is remembered as another URL of it (``monitor.db.seen``), in the same transaction.

        ``prepared``: its pure half (``monitor.prepared``) computed beforehand, by an extraction worker;
        computed here when missing or when it no longer fits the article.
        """
        self._load()
        if prepared is None or not prepared.fits(article) or (raw is not None and prepared.raw_zlib is None):
            prepared = prepare(article, self.features, raw.body if raw else None)
        canonical = prepared.canonical_url
        digest = prepared.content_hash
        fetched = utcnow()
        # the article's time in the indexes: never after its fetch (a wrong date in the future would move the
        # stories' clock ahead and close every open story)
        when = min(as_aware(article.published_at), fetched) if article.published_at else fetched
        self._load_period(when)
        language = prepared.language
        features = prepared.features
        source_id = self._source_ids.get(source.name)
        with self.store.db.session() as session:
            self.store.lock_writes(session)
            self._catch_up(session)
            if source_id is None:
                source_id = self.store.source_id(session, source.name, source.title, source.language, source.homepage)
            existing = self.store.existing_article(session, canonical, source_id, digest, external_id)
            article_id = None
            if existing is None:
                values = {
                    "url": article.url,
                    "canonical_url": canonical,
                    "source_id": source_id,
                    "external_id": external_id,
                    "title": article.title,
                    "text": article.text,
                    "published_at": article.published_at,
                    "language": language,
                    "authors": list(article.authors),
                    "site_name": article.site_name,
                    "fetched_at": fetched,
                    "content_hash": digest,
                    **metadata_values(article),
                }
                page = None
                if raw is not None and prepared.raw_zlib is not None:
                    page = {
                        "encoding": raw.encoding,
                        "content_type": raw.content_type,
                        "status": raw.status,
                        "html_zlib": prepared.raw_zlib,
                    }
                article_id = self.store.add_article(session, values, page)
                if article_id is None:  # lost a race with another writer: the other row stands
                    existing = self.store.existing_article(session, canonical, source_id, digest, external_id) or 0
            alias = canonical_url(requested_url) if requested_url else None
            if alias is not None and alias != canonical and (article_id or existing):
                remember(session, alias, source_id, ARCHIVED_AS, str(article_id or existing), fetched)
            if article_id is not None:
                self.store.add_topics(session, article_id, [(t.topic, t.location, t.terms, t.score) for t in topics])
                copy_of = self._record_copy(session, article_id, article, prepared, when)
                assignment = self.stories.assign(features, when)
                if copy_of is not None:  # the same text is the same event: the original's story, whatever the headline
                    original_story = self.store.story_of(session, copy_of)
                    if original_story is not None and original_story != assignment.story_id:
                        assignment = Assignment(original_story, 1.0)
                new_story = assignment.story_id is None
                if assignment.story_id is None:
                    story_id = self.store.open_story(session, article.title or article.text[:120], when)
                else:
                    story_id = assignment.story_id
                story_id = self.store.link_story(
                    session, article_id, story_id, when, assignment.similarity, opened=new_story
                )
        self._source_ids[source.name] = source_id  # committed: the source row exists from now on
        if article_id is None:
            return Outcome("duplicate", existing or 0)
        self._seen_id = max(self._seen_id, article_id)  # committed under the lock: no other id in between
        self._indexed.add(article_id)
        self.copies.add_signature(article_id, prepared.signature_values, prepared.word_count, when)
        self.stories.add(assignment.story_id or story_id, features, when)  # the facet it matched
        self._added += 1
        if self._added % self.settings.expire_every == 0:
            self._expire()
        return Outcome("stored", article_id, copy_of, story_id, new_story)


def _within(then: datetime | None, when: datetime, window: timedelta) -> bool:
    return then is None or abs(as_aware(then) - when) <= window
