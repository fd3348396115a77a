"""National context test data (issue 22): a note and a profile of a story's participant."""

import datetime as dt

from reporting.context.models import NationalProfile, PeriodNote
from tests import factories


def matrix_note(story, key: str = "home") -> PeriodNote:
    """One note of participant `key` on the month of the story's records (made once)."""
    month = factories.months_back(2)
    note, _created = PeriodNote.objects.get_or_create(
        participant=getattr(story, key), text=f"Matrix note of {key}",
        defaults={"month_from": month, "month_to": month, "language": "en"},
    )  # fmt: skip
    return note


def matrix_profile(story, key: str = "home") -> NationalProfile:
    profile, _created = NationalProfile.objects.get_or_create(
        participant=getattr(story, key), valid_from=dt.date(2020, 1, 1),
        defaults={"agencies": "Police", "territory": "All", "incident_unit": "One group", "language": "en"},
    )  # fmt: skip
    return profile
