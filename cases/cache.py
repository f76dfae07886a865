"""The shared cache, as an optimisation only: when its server is down, pages render without it.

Django's RedisCache raises when Redis is unreachable. A page that could be built from the
database must not fail for that, so reads miss and writes are dropped. The outage is logged
once, when it starts (not once per request), and again when the cache answers again; while it
lasts, the cache is not asked for RETRY_AFTER seconds at a time, so that requests do not each
wait on a refused connection.
"""

import logging
import threading
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 30  # seconds
# What an unreachable cache server raises: redis-py's errors, or the socket's own.
OUTAGE_ERRORS = (RedisError, OSError)

_state = {"down_since": None, "retry_at": 0.0}
_lock = threading.Lock()


def _available():
    return _state["down_since"] is None or time.monotonic() >= _state["retry_at"]


def _failed(error):
    with _lock:
        now = time.monotonic()
        if _state["down_since"] is None:
            _state["down_since"] = now
            logger.error("Cache unreachable; serving pages without it: %s", error)
        _state["retry_at"] = now + RETRY_AFTER


def _succeeded():
    if _state["down_since"] is not None:
        with _lock:
            if _state["down_since"] is not None:
                logger.warning(
                    "Cache reachable again after %.0f s", time.monotonic() - _state["down_since"]
                )
                _state["down_since"] = None


def cache_get(key, default=None):
    """Return the cached value, or default when absent or when the cache is down."""
    if not _available():
        return default
    try:
        value = cache.get(key, default)
    except OUTAGE_ERRORS as error:
        _failed(error)
        return default
    _succeeded()
    return value


def cache_set(key, value, timeout):
    """Store value if the cache is up; otherwise drop it (the next request builds it again)."""
    if not _available():
        return
    try:
        cache.set(key, value, timeout)
    except OUTAGE_ERRORS as error:
        _failed(error)
        return
    _succeeded()


def reset():
    """Forget a past outage (for tests, which switch cache settings)."""
    with _lock:
        _state["down_since"] = None
        _state["retry_at"] = 0.0
