"""Media-monitoring crawler: French and English press coverage of facial recognition.

The data flow, one direction (see README.md):
sources -> spiders/ -> extraction -> language/topics -> archive (dedup, copies, stories) -> db -> cli/export
"""

from __future__ import annotations

__version__ = "0.1.0"
