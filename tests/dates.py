"""The days of the calendar that date-dependent behaviour is tested on, and a frozen clock at each.

A month's edges (the 1st and its last day), the day a return falls due (the 15th) and the day after,
an ordinary day (the 7th), the turn of the year and a leap day: the demo seed, standing windows, due
dates, reminders and grace periods are each tested at every one of them.
"""

import datetime as dt

import pytest
import time_machine

# All in the past: PostgreSQL's own clock is not frozen, and a detection date may not be later than
# its now() (reporting 0004), so a frozen day after the real one could not hold the demo's records.
SAMPLE_DATES = (
    dt.date(2026, 11, 1),
    dt.date(2026, 11, 7),
    dt.date(2026, 11, 15),
    dt.date(2026, 11, 16),
    dt.date(2026, 11, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2024, 2, 29),
)


def frozen_at(day: dt.date, hour: int = 9):
    """A clock stopped on `day` at `hour` UTC (time_machine: the process's every clock)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC), tick=False)


sample_dates = pytest.mark.parametrize("sample_date", SAMPLE_DATES, ids=[d.isoformat() for d in SAMPLE_DATES])
