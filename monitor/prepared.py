"""The pure, CPU-heavy half of archiving an article, computed once where the article is extracted.

``prepare`` runs in the extraction workers (``monitor.workers``) right after extraction; the archive
(``Archive.add``) then only looks things up and writes. What it holds depends on the article alone:
the canonical URL, the content hash, the MinHash signature of the text's shingles (numpy values,
``monitor.signatures``), the story features, and the raw page already compressed (``monitor.rawzlib``).

The text is normalised once (``words``): the content hash and the shingles come from the same words.
``Prepared.fits`` tells whether it was computed from the article as it is now (the language pipeline
may fill a language the extraction did not detect): when not, the archive computes it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from monitor.article import Article
from monitor.dedup import shingle_bytes
from monitor.rawzlib import compress_raw
from monitor.story_features import FeatureExtractor, Features
from monitor.textnorm import hash_words, words
from monitor.urls import canonical_url

if TYPE_CHECKING:
    from monitor.signatures import Values


@dataclass(frozen=True)
class Prepared:
    """What ``Archive.add`` needs of an article that depends on nothing else (picklable)."""

    url: str  # the article's URLs, title, text and language it was computed from (see ``fits``)
    article_canonical: str | None
    title: str | None
    text: str
    language: str
    canonical_url: str
    content_hash: str
    word_count: int
    # the MinHash signature of the text's shingles; a numpy array, so not in ``==``
    signature_values: Values = field(compare=False)
    features: Features
    raw_zlib: bytes | None = None  # the fetched page, zlib-compressed (RawPage.html_zlib)

    def fits(self, article: Article) -> bool:
        """Whether this was computed from ``article`` as it is now."""
        return (
            self.url == article.url
            and self.article_canonical == article.canonical_url
            and self.title == article.title
            and self.language == (article.language or "und")
            and self.text == article.text
        )


def prepare(article: Article, extractor: FeatureExtractor, raw: bytes | None = None) -> Prepared:
    """Everything pure ``Archive.add`` needs of ``article`` (and its raw page, compressed)."""
    from monitor.signatures import minhash_values  # numpy: imported where pages are extracted, not at a poll

    tokens = words(article.text)
    language = article.language or "und"
    return Prepared(
        url=article.url,
        article_canonical=article.canonical_url,
        title=article.title,
        text=article.text,
        language=language,
        canonical_url=canonical_url(article.canonical_url or article.url),
        content_hash=hash_words(tokens),
        word_count=len(tokens),
        signature_values=minhash_values(shingle_bytes(tokens)),
        features=extractor.extract(article.title, article.text, language),
        raw_zlib=compress_raw(raw) if raw is not None else None,
    )
