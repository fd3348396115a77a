"""The demo's national context (issue 22): a few participants describe what their figures cover and
note some months, so the footnotes show on the dashboards, lists and exports."""

from __future__ import annotations

import datetime as dt

from accounts.models import Participant, Role
from reporting.context.models import Counted, NationalProfile, PeriodNote
from reporting.reciprocity import month_add

# code → (agencies, territory, irregular stay counted, one incident, remarks, language)
PROFILES = {
    "AUS": ("Australian Border Force, Australian Federal Police, Maritime Border Command",
            "Mainland and external territories (Christmas Island, Ashmore Reef)", Counted.NO,
            "One vessel or group intercepted together", "Detections at sea are counted where the vessel is "
            "intercepted, whatever its later disembarkation.", "en"),
    "IDN": ("Direktorat Jenderal Imigrasi, Kepolisian Negara, Bakamla",
            "All provinces; sea detections from the Maritime Security Agency since it joined the return",
            Counted.YES, "One group detected together, at a crossing point or inland", "", "en"),
    "MYS": ("Jabatan Imigresen, Polis Diraja Malaysia, APMM", "Peninsular Malaysia, Sabah and Sarawak",
            Counted.YES, "Un groupe détecté ensemble ; les personnes en séjour irrégulier sont comptées par opération",
            "", "fr"),
}  # fmt: skip

# code → (months back of the first month, months back of the last, text, language)
NOTES = {
    "AUS": [(8, 8, "New maritime patrol off the north-west coast from this month: sea detections rise.", "en")],
    "IDN": [
        (5, 5, "Month under-reported: the immigration system was migrated; late records follow.", "en"),
        (14, 12, "Figures include asylum seekers detected with smugglers.", "en"),
    ],
    "MYS": [(3, 2, "أرقام هذين الشهرين تشمل عمليات مشتركة مع الشرطة البحرية.", "ar")],
}


def context_create(*, participants: dict[str, Participant], users: dict[tuple[str, str], int], today: dt.date) -> int:
    """Profiles (one version each, from years ago, a second for Indonesia) and notes on recent months.
    Written with history like the services write them; returns how many rows were made."""
    made = 0
    this_month = today.replace(day=1)
    for code, (agencies, territory, stay, unit, remarks, language) in PROFILES.items():
        if code not in participants:
            continue
        author = users.get((code, Role.FOCAL_POINT))
        start = dt.date(2014, 1, 1)
        if code == "IDN":  # an earlier version, before the maritime agency's detections were included
            NationalProfile.objects.create(
                participant=participants[code], valid_from=start, valid_to=month_add(this_month, -12) - dt.timedelta(1),
                agencies="Direktorat Jenderal Imigrasi, Kepolisian Negara", territory="All provinces",
                irregular_stay=stay, incident_unit=unit, language=language, created_by_id=author,
            )  # fmt: skip
            start, made = month_add(this_month, -12), made + 1
        NationalProfile.objects.create(
            participant=participants[code], valid_from=start, agencies=agencies, territory=territory,
            irregular_stay=stay, incident_unit=unit, definitions=remarks, language=language, created_by_id=author,
        )  # fmt: skip
        made += 1
    for code, notes in NOTES.items():
        if code not in participants:
            continue
        for first, last, text, language in notes:
            PeriodNote.objects.create(
                participant=participants[code], month_from=month_add(this_month, -first),
                month_to=month_add(this_month, -last), text=text, language=language,
                created_by_id=users.get((code, Role.FOCAL_POINT)),
            )  # fmt: skip
            made += 1
    return made
