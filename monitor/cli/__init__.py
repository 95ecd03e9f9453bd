"""The ``monitor`` command line: a thin layer over the library, one module per command."""

from __future__ import annotations

import logging

import click

from monitor.cli.alerts import feed
from monitor.cli.copy import copy
from monitor.cli.crawl import crawl
from monitor.cli.daemon import daemon
from monitor.cli.demo import demo
from monitor.cli.export import export
from monitor.cli.extract import extract
from monitor.cli.ingest import ingest
from monitor.cli.reextract import reextract
from monitor.cli.regroup import regroup
from monitor.cli.report import report
from monitor.cli.search import search
from monitor.cli.setup import init
from monitor.cli.sources import sources
from monitor.cli.sql import sql
from monitor.cli.status import status
from monitor.cli.stories import stories
from monitor.cli.topics import topics
from monitor.cli.worker import worker
from monitor.logsetup import install as install_logging

COMMANDS: list[click.Command] = [init, crawl, demo, extract, ingest, stories, export, sql, daemon, status]

COMMANDS += [search, report, feed]  # the archive for newsrooms (issue 8)
COMMANDS += [regroup]  # rebuild the stories (issue 6)
COMMANDS += [reextract]  # re-extract archived raw HTML (issue 4)
COMMANDS += [topics]  # watchlists as boolean queries (issue 5)
COMMANDS += [sources]  # discovery and source health (issue 3)
COMMANDS += [copy, worker]  # production scale: copy an archive between backends, distributed workers (issue 9)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="facewatch-monitor")
def main() -> None:
    """Media monitoring of facial recognition in French and English news.

    Crawls outlets' feeds, sitemaps and section pages, keeps the articles that a watchlist matches,
    deduplicates them, groups them into stories across outlets and languages, and exports them.

    \b
    Example:
        monitor demo                      # crawl the bundled demo outlets, print the stories
        monitor crawl --source lemonde    # crawl one real outlet into monitor.db
        monitor sql "SELECT source_id, count(*) FROM articles GROUP BY 1"
    """
    install_logging(logging.WARNING)


for _command in COMMANDS:
    main.add_command(_command)
