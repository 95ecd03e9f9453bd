"""Scrapy spiders: discovery (feeds, sitemaps, section pages) and fetching. They never touch the database."""
