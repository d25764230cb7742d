"""Counting exported rows and telling a progress bar about them now and then, not per row."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int], None]
"""Called with the number of rows written since the last call."""
REPORT_EVERY = 5000


class RowCounter:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.count = 0

    def add_one(self) -> None:
        self.count += 1
        if self.progress is not None and self.count % REPORT_EVERY == 0:
            self.progress(REPORT_EVERY)

    def finish(self) -> int:
        """Report the rows not reported yet; return the total."""
        if self.progress is not None and self.count % REPORT_EVERY:
            self.progress(self.count % REPORT_EVERY)
        return self.count
