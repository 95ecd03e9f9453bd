"""SIGTERM/SIGINT in a crawl process, from its first instruction to its last.

Scrapy installs its own handlers once its reactor runs (a first signal stops the crawl gracefully, a second
at once). Before that, a crawl process is opening its run rows, starting extraction workers and loading
Scrapy: ``SignalStop`` makes a signal there raise ``Interrupted``, which ``monitor.crawl.run_sources``
turns into ``interrupted`` runs and exit status 130 instead of a process killed with its runs left
``running`` (SIGTERM) or a ``KeyboardInterrupt`` traceback (SIGINT). While Scrapy builds the crawl, an
exception would land in a Deferred (logged, lost): a signal waits for the end of that step. From then
until Scrapy's handlers take over, a signal stops the reactor, as Scrapy's would. ``received`` counts every
signal, Scrapy's included, so a crawl stopped before its spider opened (no finish reason in its stats) is
known as stopped by a signal, not failed.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):
    """SIGTERM/SIGINT in a crawl process before Scrapy installed its own handlers."""


class SignalStop:
    """The stop signals of one crawl process (see the module's documentation)."""

    def __init__(self) -> None:
        self.received = 0
        self._previous: dict[int, Any] = {}
        self._building = False  # Scrapy is building the crawl: a signal waits for the end of it
        self._pending: int | None = None
        self._reactor: Any = None  # once set, a signal stops this reactor

    def install(self) -> SignalStop:
        """Handle SIGTERM/SIGINT from now on (from the main thread only: elsewhere Python cannot)."""
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self)
        return self

    def uninstall(self) -> None:
        """Give the signals back to the handlers before ``install``, where they are still ours (a crawl over
        has them ignored: ``hold_signals``)."""
        if threading.current_thread() is threading.main_thread():
            for signum, previous in self._previous.items():
                if signal.getsignal(signum) is self:
                    signal.signal(signum, previous)

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.received += 1
        if self._building:
            self._pending = signum
        elif self._reactor is not None:
            self._reactor.callFromThread(self._stop_reactor)  # at once, or as soon as the reactor runs
        else:
            raise Interrupted(signum)

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        """Scrapy builds the crawl (crawler, reactor, engine; some of it inside Deferreds, where an exception
        is logged and lost): a signal then raises ``Interrupted`` at the end of the block. After it, a
        signal stops the reactor that Scrapy installed."""
        self._building = True
        try:
            yield
        finally:
            self._building = False
        if self._pending is not None:
            raise Interrupted(self._pending)
        self._reactor = sys.modules.get("twisted.internet.reactor")  # installed by now; never import it here

    def _stop_reactor(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped, or stopping
            self._reactor.stop()

    def process(self, settings: Settings) -> CrawlerProcess:
        """Scrapy's ``CrawlerProcess``, whose signal handlers count in ``received``."""
        from scrapy.crawler import CrawlerProcess

        stop = self

        class _CountingProcess(CrawlerProcess):
            def _signal_shutdown(self, signum: int, frame: Any) -> None:
                stop.received += 1
                super()._signal_shutdown(signum, frame)

        return _CountingProcess(settings)


def hold_signals() -> None:
    """Ignore SIGTERM/SIGINT from now on in this process (only from the main thread)."""
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
