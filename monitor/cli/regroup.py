"""`monitor regroup`: rebuild the story grouping, keeping the manual merges and splits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import click

from monitor.cli.common import db_option, open_db, story_window_option
from monitor.timeparse import parse_when


@click.command()
@db_option
@click.option("--since", default=None, metavar="WHEN", help="Regroup articles published since: 30d, 2020-06-01.")
@story_window_option
def regroup(db_url: str | None, since: str | None, window_hours: float) -> None:
    """Rebuild the stories of the archive (or of the articles since WHEN) in publication order.

    Use it after changing the story window or the lexicon. Manual fixes (`monitor stories merge` and
    `split`) are replayed in the order they were made; a rebuilt story keeps the id of the old story
    holding most of its articles. Articles and copies are not touched.

    \b
    Example:
        monitor regroup
        monitor regroup --since 30d --window-hours 48
    """
    from monitor.db.story_store import StoryStore
    from monitor.story_features import FeatureExtractor, load_lexicon
    from monitor.story_index import StoryIndex
    from monitor.story_regroup import RegroupItem, apply_fixes, assign_ids, group_stream

    store = StoryStore(open_db(db_url))
    window = timedelta(hours=window_hours)
    start = parse_when(since)
    kept: dict[int, RegroupItem] = {}

    def remembered() -> Iterator[RegroupItem]:
        for count, item in enumerate(store.regroup_items(start, context=2 * window), start=1):
            kept[item.article_id] = replace(item, text=item.text[:120])  # what the writes need, not the text
            if count % 10_000 == 0:
                click.echo(f"  {count} articles grouped", err=True)
            yield item

    labels = group_stream(remembered(), FeatureExtractor(load_lexicon()), StoryIndex(window=window))
    fixes = store.fixes()
    labels = apply_fixes(labels, fixes)
    current = {a: item.story_id for a, item in kept.items()}
    reserved = {item.story_id for item in kept.values() if item.context and item.story_id is not None}
    mapping = assign_ids({a: x for a, x in labels.items() if not kept[a].context}, current, reserved)
    manual = {a for fix in fixes for a in fix.article_ids}
    report = store.apply_regroup(kept, labels, mapping, manual)
    click.echo(
        f"regrouped {report.articles} article(s) ({report.context} before the period as context): "
        f"{report.kept_ids} story id(s) kept, {report.opened} opened, {report.removed} removed, "
        f"{report.moved} article(s) moved, {len(fixes)} manual fix(es) replayed; "
        f"{report.stories_before} -> {report.stories_after} stories"
    )
