"""Imports understand a template in any interface language (issue 10): French or Arabic headings
and code labels resolve whatever language the check runs in (the worker has none of the uploader's)."""

import pytest

from reporting.imports.columns import column
from reporting.imports.mapping import CodeResolver, suggest_columns
from tests import factories

pytestmark = pytest.mark.django_db


def test_french_and_arabic_headings_are_recognised():
    owner = factories.participant(code="FRA")
    headers = ["Référence nationale", "Date de détection", "Migrants détectés", "بلد الكشف"]
    suggested = suggest_columns(participant=owner, sheet="incidents", headers=headers)
    assert suggested == {
        "Référence nationale": "national_reference",
        "Date de détection": "detection_date",
        "Migrants détectés": "migrants_total",
        "بلد الكشف": "detection_country",
    }


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("modes", "Mer", "sea"),
        ("methods", "Bateau de pêche", "fishing_boat"),
        ("detection_context", "En mer", "at_sea"),
        ("methods", "قارب صيد", "fishing_boat"),
        ("modes", "Sea", "sea"),
    ],
)
def test_code_labels_in_any_language_resolve(name, raw, code):
    owner = factories.participant(code="FRA")
    assert CodeResolver(participant=owner, code_mapping={}).resolve(column("incidents", name), raw) == code


def test_the_worker_stores_problems_as_codes_that_read_in_any_language(contributor):
    """The worker stores each problem as the code writes it (whatever language the uploader had),
    and each reader reads it in theirs."""
    from django.utils import translation

    from reporting.imports import services
    from reporting.tasks import import_run_task
    from tests.imports.conftest import upload
    from tests.imports.files import csv_bytes, good_row

    with translation.override("fr"):  # the request in which the French user started the check
        batch = upload(contributor, csv_bytes([good_row("P-1", Migrants="-3", Confidence="")]))
        services.import_map_columns(
            batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order=batch.date_order
        )
        batch.refresh_from_db()
        with patch_enqueue() as queued:
            services.import_check_start(batch=batch, user=contributor)
    assert queued == [{"batch_id": batch.pk, "phase": "check", "language": "fr"}]
    import_run_task.run(**queued[0])  # what the worker does, with no language of its own
    from reporting.imports.messages import render

    problems = [p for row in batch.rows.all() for p in row.errors]
    assert "Say how confident you are in the figures." in [p["message"] for p in problems]
    with translation.override("fr"):
        assert "Indiquez votre degré de certitude sur les chiffres." in [render(p) for p in problems]
    with translation.override("ar"):
        shown = [render(p) for p in problems]
    assert "Say how confident you are in the figures." not in shown
    assert not any(m.isascii() for m in shown), shown


def patch_enqueue():
    """Catch what _enqueue sends to the worker (on_commit runs at once here)."""
    from contextlib import contextmanager
    from unittest import mock

    from reporting.tasks import import_run_task

    @contextmanager
    def catching():
        queued: list[dict] = []
        with (
            mock.patch("django.db.transaction.on_commit", lambda f, *a, **k: f()),
            mock.patch.object(import_run_task, "apply_async", lambda kwargs, **_: queued.append(kwargs)),
        ):
            yield queued

    return catching()
