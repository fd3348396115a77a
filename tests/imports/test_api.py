"""The import API: a file in, the batch out; read it back; refusals say why and keep nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from reporting.models import ImportBatch, Incident, ReciprocityPolicy
from tests import factories
from tests.api.conftest import token_for
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy(db):
    ReciprocityPolicy.objects.get_or_create(version=1)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=ApiToken.Scope.WRITE)}")
    return client


def post_file(client, data: bytes, key: str, **fields):
    body = {"file": SimpleUploadedFile("export.csv", data), **fields}
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
