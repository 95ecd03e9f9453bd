"""``python -m monitor.cli``."""

from __future__ import annotations

from monitor.cli import main

main()
