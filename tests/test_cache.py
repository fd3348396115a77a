"""The shared cache (config/cache.py): counters seen by every process, and requests that still get
an answer when Redis is down."""

import pytest
from django.conf import settings
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from config.cache import TolerantRedisCache


def _cache(location: str) -> TolerantRedisCache:
    return TolerantRedisCache(location, {"KEY_PREFIX": "vrs-test-cache"})


class _Throttle(SimpleRateThrottle):
    rate = "3/min"
    scope = "test"

    def __init__(self, cache):
        self.cache = cache
        super().__init__()

    def get_cache_key(self, request, view):
        return "throttle-test-token"


@pytest.fixture
def shared():
    if not settings.REDIS_AVAILABLE:
        pytest.skip("needs Redis")
    first, second = _cache(settings.REDIS_URL), _cache(settings.REDIS_URL)  # two web processes' caches
    first.delete("throttle-test-token")
    yield first, second
    first.delete("throttle-test-token")


def test_two_processes_count_against_one_budget(shared):
    request = APIRequestFactory().get("/api/v1/me/")
    allowed = [_Throttle(shared[n % 2]).allow_request(request, None) for n in range(6)]
    assert allowed == [True, True, True, False, False, False]


def test_with_redis_down_the_cache_answers_misses_and_drops_writes():
    down = _cache("redis://127.0.0.1:1/0")  # nothing listens there
    assert down.get("k", "fallback") == "fallback"
    down.set("k", 1)
    assert down.add("k", 1) is False and down.get_many(["k"]) == {}
    request = APIRequestFactory().get("/api/v1/me/")
    assert all(_Throttle(down).allow_request(request, None) for _ in range(5))  # open for the outage
