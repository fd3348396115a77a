"""The import API: a file in, the batch out; read it back; refusals say why and keep nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from reporting.models import ImportBatch, Incident, ReciprocityPolicy
from tests import factories
from tests.api.conftest import token_for
from tests.imports.files import HEADERS, csv_bytes, good_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy(db):
    ReciprocityPolicy.objects.get_or_create(version=1)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=ApiToken.Scope.WRITE)}")
    return client


# good_row()'s file can be read two ways (a fee of 1,000; every day 12 or less): the tests say how.
READ_AS = {"decimal": ".", "date_order": "dmy"}


def post_file(client, data: bytes, key: str, **fields):
    body = {"file": SimpleUploadedFile("export.csv", data), **READ_AS, **fields}
    body = {k: v for k, v in body.items() if v is not None}  # None: not sent
    return client.post("/api/v1/imports/", body, format="multipart", HTTP_IDEMPOTENCY_KEY=key)


def test_upload_check_and_import_in_one_request(contributor, django_capture_on_commit_callbacks):
    client = api(contributor)
    data = csv_bytes([good_row("API-1"), good_row("API-2", Migrants="?")])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(
            client, data, "key-1", mode="valid_only", code_mapping=json.dumps({"methods": {"BOAT": "fishing_boat"}})
        )
    assert response.status_code == 202, response.content
    batch_url = response.json()["url"]
    detail = client.get(batch_url).json()
    assert (detail["status"], detail["rows_imported"], detail["rows_failed"]) == ("done", 1, 1)
    (problem_row,) = detail["rows_with_problems"]
    assert problem_row["row"] == 3 and problem_row["errors"][0]["column"] == "Migrants"
    assert list(Incident.objects.values_list("national_reference", flat=True)) == ["API-1"]
    # A retry with the same key gets the first answer and uploads nothing more.
    again = post_file(
        client, data, "key-1", mode="valid_only", code_mapping=json.dumps({"methods": {"BOAT": "fishing_boat"}})
    )
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1
    listed = client.get("/api/v1/imports/").json()["results"]
    assert [b["id"] for b in listed] == [detail["id"]]


def test_a_dry_run_then_the_import_by_its_own_request(contributor, django_capture_on_commit_callbacks):
    client = api(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, csv_bytes([good_row("API-3", Vessel="fishing_boat")]), "key-2")
    batch_id = response.json()["id"]
    assert client.get(f"/api/v1/imports/{batch_id}/").json()["status"] == "checked"
    assert not Incident.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/api/v1/imports/{batch_id}/import/", {"mode": "all_or_nothing"}, format="json")
    assert done.status_code == 200
    assert client.get(f"/api/v1/imports/{batch_id}/").json()["status"] == "done"
    assert Incident.objects.get().national_reference == "API-3"


def test_an_unreadable_file_is_refused_and_nothing_kept(contributor):
    response = post_file(api(contributor), b"%PDF-1.4 not a table", "key-3")
    assert response.status_code == 400
    assert "PDF" in response.json()["errors"][0]["message"]
    assert not ImportBatch.objects.exists()


def test_a_missing_needed_column_is_refused(contributor):
    data = csv_bytes([good_row("API-4")], headers=["Date detected", "Migrants"])
    response = post_file(api(contributor), data, "key-4")
    assert response.status_code == 400
    assert "National reference" in json.dumps(response.json())
    assert not ImportBatch.objects.exists()


def test_others_cannot_import_or_read_the_batch(contributor, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = post_file(api(contributor), csv_bytes([good_row("API-5")]), "key-5").json()["id"]
    analyst = factories.user(role=Role.ANALYST, participant=owner)
    assert post_file(api(analyst), csv_bytes([good_row("API-6")]), "key-6").status_code == 403
    stranger = factories.user(role=Role.FOCAL_POINT, participant=factories.participant())
    assert api(stranger).get(f"/api/v1/imports/{batch_id}/").status_code == 404
    assert api(analyst).get(f"/api/v1/imports/{batch_id}/").status_code == 404


# A file that reads two ways is not read until the API client says how ------------------------------

CODES = json.dumps({"methods": {"BOAT": "fishing_boat"}})


def test_a_file_that_reads_two_ways_is_refused_until_its_conventions_are_given(contributor):
    data = csv_bytes([good_row("AMB-1", Migrants="1.234")])
    response = post_file(api(contributor), data, "amb-1", decimal=None, date_order=None, code_mapping=CODES)
    assert response.status_code == 400, response.content
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"decimal", "date_order"}
    assert {e["code"] for e in errors.values()} == {"conventions_needed"}
    assert "“1.234”" in errors["decimal"]["message"] and "“,”" in errors["decimal"]["message"]
    assert "“dmy”" in errors["date_order"]["message"]
    assert not ImportBatch.objects.exists()  # nothing kept, nothing read
    # With every other problem of the request at once (here a column the import needs).
    lacking = csv_bytes([good_row("AMB-2", Migrants="1.234")], headers=[h for h in HEADERS if h != "Case No"])
    response = post_file(api(contributor), lacking, "amb-3", decimal=None, date_order=None, code_mapping=CODES)
    fields = [e["field"] for e in response.json()["errors"]]
    assert "decimal" in fields and "date_order" in fields and len(fields) > 2, fields
    # The dates alone given: the numbers are still asked about.
    response = post_file(api(contributor), data, "amb-2", decimal=None, code_mapping=CODES)
    assert [e["field"] for e in response.json()["errors"]] == ["decimal"]


@pytest.mark.parametrize(("decimal", "migrants", "problem"), [(",", 1234, None), (".", None, "Not a whole number.")])
def test_the_file_is_read_the_way_the_client_says(
    contributor, django_capture_on_commit_callbacks, decimal, migrants, problem
):
    """`1.234` is one thousand two hundred and thirty-four in a file that writes 1.234,5, and never
    read as 1.234 (refused in a count) in one that writes 1,234.5."""
    data = csv_bytes([good_row("AMB-3", Migrants="1.234", Fee="2.500")])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(api(contributor), data, f"amb-{decimal}", decimal=decimal, mode="valid_only",
                             code_mapping=CODES)  # fmt: skip
    assert response.status_code == 202, response.content
    detail = api(contributor).get(response.json()["url"]).json()
    if migrants is not None:
        assert detail["rows_imported"] == 1, detail["rows_with_problems"]
        record = Incident.objects.get(national_reference="AMB-3")
        assert (record.migrants_total, record.fee_per_person) == (migrants, 2500)
    else:
        assert detail["rows_imported"] == 0
        (row,) = detail["rows_with_problems"]
        assert any(e["column"] == "Migrants" and e["message"].startswith(problem) for e in row["errors"])
        assert not Incident.objects.exists()


def test_a_choice_given_once_is_remembered_for_the_next_file(contributor, django_capture_on_commit_callbacks):
    data = csv_bytes([good_row("AMB-5", Migrants="1.234", Fee="100")])
    with django_capture_on_commit_callbacks(execute=True):
        first = post_file(api(contributor), data, "amb-5", decimal=",", code_mapping=CODES)
    assert first.status_code == 202, first.content
    data = csv_bytes([good_row("AMB-6", Migrants="1.234", Fee="100")])
    with django_capture_on_commit_callbacks(execute=True):
        again = post_file(api(contributor), data, "amb-6", decimal=None, date_order=None, mode="valid_only")
    assert again.status_code == 202, again.content
    detail = api(contributor).get(again.json()["url"]).json()
    assert detail["rows_imported"] == 1, detail["rows_with_problems"][0]["errors"]
    assert Incident.objects.get(national_reference="AMB-6").migrants_total == 1234


def test_the_schema_documents_the_conventions():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    upload = schema["components"]["schemas"]["ImportUploadRequest"]["properties"]
    assert "decimal" in upload and "date_order" in upload
    assert "read both ways" in upload["decimal"]["description"]
