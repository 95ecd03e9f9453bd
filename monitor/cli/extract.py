"""`monitor extract`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The URL the page was served at (for relative links and the host).")
@click.option("--with-language/--no-language", default=True, help="Also detect the language.")
def extract(file: str, url: str, with_language: bool) -> None:
    """Extract the article of a saved HTML page and print it as JSON.

    \b
    Example:
        monitor extract page.html --url https://www.lemonde.fr/pixels/article/2020/06/11/x.html
        curl -s URL | monitor extract - --url URL
    """
    from monitor.extraction import ExtractionError, extract_article
    from monitor.processing import Processor

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        article = extract_article(data, url)
    except ExtractionError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if not with_language:
        article.language = None
    elif not article.language or article.language == "und":  # extraction detects it already
        Processor.set_language_of(article)
    click.echo(json.dumps(article.to_json(), ensure_ascii=False, indent=2))
