"""Logging of the command line: one handler on standard error, which a crawl hands over to Scrapy's.

``monitor`` commands log warnings through ``install``'s handler. A crawl in the same process lets Scrapy
install its own root handler instead (its timestamps, ``LOG_LEVEL``, ``LOG_FILE``, ``LOG_FORMAT``), so
that each record is printed once; handlers that an application embedding the library set up are kept,
and then Scrapy adds none.
"""

from __future__ import annotations

import logging

HANDLER_NAME = "monitor-cli"
FORMAT = "%(levelname)s %(name)s: %(message)s"


def install(level: int = logging.WARNING) -> None:
    """The command line's handler on standard error (once per process)."""
    root = logging.getLogger()
    if any(handler.get_name() == HANDLER_NAME for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def hand_over(level: int | None) -> bool:
    """Before a crawl: remove the command line's handler; whether Scrapy should install its root handler
    (no other handler is left). The handlers left are made no more verbose than ``level``."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    for handler in root.handlers:
        if level is not None and handler.level < level:
            handler.setLevel(level)
    return not root.handlers
