"""The pure steps between extraction and the archive: language, then topics."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.article import Article
from monitor.language import detect_language
from monitor.topics import Matcher, TopicMatch


@dataclass(frozen=True)
class Decision:
    keep: bool
    topics: list[TopicMatch]


class Processor:
    """Sets the language of an article and decides whether the watchlists keep it."""

    def __init__(self, matcher: Matcher, keep_all: bool = False) -> None:
        self.matcher = matcher
        self.keep_all = keep_all

    @staticmethod
    def set_language_of(article: Article) -> Article:
        """Detect the language; a language given by the record or the page breaks near ties."""
        article.language = detect_language(article.text, article.language or article.declared_language)
        return article

    def decide(self, article: Article, source: str | None = None) -> Decision:
        """Which watchlists match ``article`` (``source``: its source name, for ``source:`` filters)."""
        topics = self.matcher.match(article.title, article.text, language=article.language, source=source)
        return Decision(keep=self.keep_all or bool(topics), topics=topics)
