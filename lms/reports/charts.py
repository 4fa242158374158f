"""Small server-rendered SVG bar charts (no script, no CDN; CSP-safe: no style attributes)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One bar with its geometry already computed."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """A bar chart ready for the template: bars, size and a text alternative."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    maximum: int

    @property
    def description(self) -> str:
        """The data as text for screen readers."""
        return "; ".join(f"{b.label}: {b.value}" for b in self.bars)


def bar_chart(data: list[tuple[str, int]], title: str, width: int = 520, height: int = 180) -> BarChart:
    """Lay out bars for (label, value) pairs on a fixed canvas with room for labels."""
    top, bottom = 16, 30
    maximum = max((v for _, v in data), default=0) or 1
    slot = width / max(1, len(data))
    bars = []
    for i, (label, value) in enumerate(data):
        h = (height - top - bottom) * value / maximum
        bars.append(Bar(label, value, i * slot + slot * 0.15, height - bottom - h, slot * 0.7, h))
    return BarChart(title, tuple(bars), width, height, maximum)
