"""The shared cache of throttle counters and other short-lived keys: Redis, kept out of the way of
the requests it serves when Redis is down.

Counters shared by every web process must live in one place (with a per-process cache, two workers
gave a token twice its budget). If that place is unreachable, a request must still be answered and
a submission still saved (it goes to PostgreSQL; work waits in the outbox): a read answers "not
cached" and a write is dropped, each logged, so throttles open for the outage rather than fail.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _tolerant(name: str, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            log.warning("cache %s skipped: Redis unreachable (%s)", name, error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    call.__name__ = name
    return call


class TolerantRedisCache(RedisCache):
    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", {})
    set = _tolerant("set", None)
    add = _tolerant("add", False)
    set_many = _tolerant("set_many", [])
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    touch = _tolerant("touch", False)
    has_key = _tolerant("has_key", False)
    clear = _tolerant("clear", None)
