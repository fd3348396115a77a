import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in French or Arabic leaves that language active in this thread (Django activates one
    per request and never resets it): the tests after these ones expect the default language."""
    yield
    translation.activate("en")
