"""Tables: aligned, cut to fit a terminal (widest columns first, with "…"), never cut in a file or a pipe."""

from __future__ import annotations

import io

import pytest

from monitor.output import MIN_COLUMN, fit_widths, write_table

COLUMNS = ["name", "status", "last_run"]
ROWS = [
    {"name": "le-monde-pixels-et-technologies", "status": "ok", "last_run": "2026-11-30T16:48:02+00:00"},
    {"name": "bbc", "status": "FAILING", "last_run": None},
]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_table_in_a_file_or_a_pipe_keeps_every_value_whole() -> None:
    out = io.StringIO()
    assert write_table(out, COLUMNS, ROWS) == 2
    lines = out.getvalue().splitlines()
    assert lines[0].split() == COLUMNS
    assert lines[2].split() == ["le-monde-pixels-et-technologies", "ok", "2026-11-30T16:48:02+00:00"]
    assert lines[3].split() == ["bbc", "FAILING"]
    assert lines[2].index("ok") == lines[0].index("status")  # aligned


def test_on_a_narrow_terminal_the_widest_columns_are_cut_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    wide = [{**ROWS[0], "name": "x" * 60, "last_run": "y" * 60}]
    out = _Terminal()
    write_table(out, COLUMNS, wide)
    header, rule, row = out.getvalue().splitlines()
    assert len(rule) <= 80 and len(row) <= 80
    assert "status" in header and "ok" in row  # the narrow column is whole
    assert row.startswith("x" * 20) and "x…" in row and row.endswith("y…")


def test_fit_widths() -> None:
    assert fit_widths([19, 6, 19], None) == [19, 6, 19]
    assert fit_widths([19, 6, 19], 80) == [19, 6, 19]  # fits: nothing cut
    assert fit_widths([40, 6, 40], 60) == [25, 6, 25]  # the widest shrink, evenly
    assert sum(fit_widths([40, 6, 40], 60)) + 4 <= 60
    assert fit_widths([100] * 10, 80) == [MIN_COLUMN] * 10  # never below the minimum


def test_table_cells_carry_no_control_characters() -> None:
    """An ingested title with an ESC sequence must not clear or recolour the reader's terminal."""
    import io

    from monitor.output import write_table

    out = io.StringIO()
    write_table(out, ["title"], [("\x1b[2J\x1b[31mFAKE\x00 news",)])
    assert "\x1b" not in out.getvalue() and "\x00" not in out.getvalue()
    assert "FAKE" in out.getvalue()
