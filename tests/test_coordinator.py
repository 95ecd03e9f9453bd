"""`monitor daemon --coordinator`: a scheduled run enqueues the source for the workers instead of crawling."""

from __future__ import annotations

import os
import uuid

import pytest

from monitor.crawl import CrawlOptions
from monitor.distributed import DistributedConfig, queue_status, reset
from monitor.scheduler import ScheduledCrawl, run_scheduled
from monitor.sources import Source
from tests.conftest import REDIS_ENV

pytestmark = pytest.mark.skipif(not os.environ.get(REDIS_ENV), reason=f"{REDIS_ENV} unset")


def test_coordinator_job_enqueues_start_urls_once() -> None:
    config = DistributedConfig(redis_url=os.environ[REDIS_ENV], prefix=f"test-coord-{uuid.uuid4().hex[:8]}")
    source = Source(
        name="gazette",
        title="La Gazette",
        language="fr",
        feeds=("http://127.0.0.1:9/rss.xml",),
        sections=("http://127.0.0.1:9/section/pixels/",),
    )
    job = ScheduledCrawl(CrawlOptions(database_url="sqlite://", sources=[source]), coordinator=config)
    try:
        assert run_scheduled(job) == 0
        status = queue_status(config)
        assert status["pending_requests"] == 2
        assert status["sources"] == ["gazette"]
        assert run_scheduled(job) == 0  # the workers are down: the same start requests are not piled up
        assert queue_status(config)["pending_requests"] == 2
    finally:
        reset(config)
