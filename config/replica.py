"""Reads of the read-only pages from PostgreSQL's streaming replica (`REPLICA_DATABASE_URL`).

With a replica configured, the views marked ``@replica_reads`` (the dashboard, its figure
lists, the reports and their exports) read from it; everything else, and every write, goes to
the primary. A user who has just saved something reads from the primary for
``REPLICA_PIN_SECONDS``, so that a page never shows a replica that has not yet caught up
with the user's own change. Without a replica every query goes to the primary, as before.
"""

import contextvars
import functools
import time

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_reading = contextvars.ContextVar("replica_reading", default=False)
#: The session key: until when (epoch seconds) the user's reads stay on the primary.
PINNED_UNTIL = "primary_until"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def replica_reads(view):
    """Run ``view`` with its reads on the replica, for a GET of a user not pinned to the
    primary; its response is rendered inside, where its lazy queries run."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            REPLICA not in connections
            or request.method not in ("GET", "HEAD")
            or request.session.get(PINNED_UNTIL, 0) > time.time()
        ):
            return view(request, *args, **kwargs)
        token = _reading.set(True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
        finally:
            _reading.reset(token)

    return wrapper


def pin_after_writes(get_response):
    """After a request that may have written (anything but GET, HEAD, OPTIONS), the user's
    reads stay on the primary for REPLICA_PIN_SECONDS."""

    def middleware(request):
        response = get_response(request)
        if (
            REPLICA in connections
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and hasattr(request, "session")
        ):
            request.session[PINNED_UNTIL] = time.time() + settings.REPLICA_PIN_SECONDS
        return response

    return middleware
