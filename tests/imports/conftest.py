"""Import fixtures: a participant with an agency, its contributor and focal point."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Agency, Role
from accounts.services import user_create
from reporting.imports import services
from tests import factories


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db):
    return factories.participant(code="AUS")


@pytest.fixture
def agency(owner):
    return Agency.objects.create(participant=owner, name="Border Force", kind=Agency.Kind.BORDER_GUARD)


@pytest.fixture
def contributor(owner, agency):
    return user_create(
        username="dana.contributor", password="correct-horse-battery", role=Role.CONTRIBUTOR, participant=owner,
        agency=agency,
    )  # fmt: skip


@pytest.fixture
def focal_point(owner):
    return factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid.focal")


def upload(user, data: bytes, name: str = "export.csv", **kwargs):
    return services.import_upload(user=user, uploaded=SimpleUploadedFile(name, data), **kwargs)


def run_check(batch, user, *, columns=None, codes=None, date_order=None):
    """Map (suggested columns unless given), map codes, and run the dry run in this process."""
    services.import_map_columns(
        batch=batch,
        user=user,
        column_mapping=columns or batch.column_mapping,
        date_order=date_order or batch.date_order,
    )
    if codes:
        services.import_map_codes(batch=batch, user=user, code_mapping=codes)
    batch.refresh_from_db()
    services.import_check_start(batch=batch, user=user)
    return services.import_check(batch_id=batch.pk)


def run_import(batch, user, mode="valid_only"):
    services.import_commit_start(batch=batch, user=user, mode=mode)
    return services.import_commit(batch_id=batch.pk)
