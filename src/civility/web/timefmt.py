"""Times as pages show them: relative words ("1 hour ago") for people, ISO 8601 in
<time datetime> for machines and for the small script that keeps the words current."""

from __future__ import annotations

from datetime import datetime, timezone

from civility.storage.clock import as_utc

_UNITS = (
    (365 * 24 * 3600, "year"),
    (30 * 24 * 3600, "month"),
    (7 * 24 * 3600, "week"),
    (24 * 3600, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def exact(moment: datetime | None) -> str:
    """The exact time, unambiguous in any locale: '24 Nov 2026, 21:05 UTC'."""
    if moment is None:
        return ""
    return as_utc(moment).strftime("%d %b %Y, %H:%M UTC").lstrip("0")


def relative(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    now = as_utc(now or datetime.now(timezone.utc))
    seconds = int((now - as_utc(moment)).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    for size, unit in _UNITS:  # noqa: B007 - the unit found is used after the loop
        if seconds >= size:
            count = seconds // size
            break
    else:
        count, unit = max(1, round(seconds / 60)), "minute"
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if future else f"{words} ago"
