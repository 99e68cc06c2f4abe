"""The one scoping mechanism: every row a user may reach is found through `visible_to(user)`.

A user's scope is an area; "data in my scope" is data whose area code starts with the code of the
user's area (docs/domain.md). Area primary keys are the significant digits of the division code
(2/4/6/9/12 digits), so the check is a prefix match on a stored column, with no join.

A scoped model says once where its area code is (``scope_path = "team__township__code"``) and
uses ``objects = ScopedQuerySet.as_manager()`` (or a subclass with methods of its own). Code
that needs rows whatever the user (a service acting on rows it was given, a command, the
dashboards' sums over a scope already applied) says so: ``Model.objects.unscoped()``; pages and
forms start from `visible_to` (tests/test_scoping_in_views.py holds them to it).
"""

from typing import Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

_M = TypeVar("_M", bound=models.Model)


def scope_of(user: Any) -> str | None:
    """The area code that starts every code ``user`` may reach: "" for an administrator,
    None for nobody (anonymous, inactive, or an account without an area)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    return user.scope_code or None


class ScopedQuerySet(models.QuerySet[_M]):
    """Rows scoped by the area code at the model's ``scope_path``.

    ``user`` is ``request.user``: an account, or the anonymous user."""

    def visible_to(self, user: Any) -> Self:
        code = scope_of(user)
        return self.none() if code is None else self.in_area(code)

    def in_area(self, area_code: str) -> Self:
        """Rows that belong to the area ``area_code`` or any area below it."""
        path = self.model.scope_path  # type: ignore[attr-defined]  # each scoped model says it
        return self.filter(**{f"{path}__startswith": area_code})

    def unscoped(self) -> Self:
        """Every row, whatever the user: a decision the caller spells out (see the module)."""
        return self.all()


def get_visible_or_404(queryset: ScopedQuerySet[_M], user: Any, **lookup: Any) -> _M:
    """The row if ``user`` may see it; 404 otherwise, so nothing tells it exists."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
