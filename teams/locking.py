"""Optimistic locking: a save over a stale copy of a record is refused, never silent.

Every model a page edits (households and members, teams and their records, ledgers, projects,
rectifications, assessments) has a ``version`` that goes up by one with each change: each save
(the admin's and the services' too) and each bulk update (``queryset.update``, which an import
uses). A form carries the version it was rendered with; saving checks and bumps it in one
conditional UPDATE, so of two people editing the same record only the first one wins and the
second gets a 409 with the other person's values beside their own input
(``templates/_conflict.html``), instead of silently overwriting them.
"""

from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from teams.scope import ScopedQuerySet


class EditConflict(Exception):
    """Somebody else changed or deleted the record since the form was rendered."""

    def __init__(self, current):
        super().__init__("stale version")
        #: The record as stored now, or None when it was deleted.
        self.current = current


class VersionedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        kwargs.setdefault("version", F("version") + 1)
        return super().update(**kwargs)


class VersionedScopedQuerySet(VersionedQuerySet, ScopedQuerySet):
    """The rows of a versioned model with a scope (`teams.scope`)."""


class VersionedModel(models.Model):
    # The database default serves the inserts written in SQL (the roster import's COPY).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every change of a stored record counts: the version goes up by one."""
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


def _claim(instance, version):
    """Bump the stored version iff it still is ``version``; raise EditConflict otherwise."""
    manager = type(instance)._default_manager
    if not manager.filter(pk=instance.pk, version=version).update(version=version + 1):
        raise EditConflict(manager.filter(pk=instance.pk).first())


def save_versioned(instance, *, version):
    """Save changes made to a copy of version ``version`` of ``instance``."""
    with transaction.atomic():
        _claim(instance, version)
        instance.version = version  # save() counts the change: version + 1, as claimed
        instance.save()


def delete_versioned(instance, *, version):
    """Delete ``instance`` unless somebody changed it after version ``version`` was shown."""
    with transaction.atomic():
        _claim(instance, version)
        instance.delete()


def _name(user):
    return (user.get_full_name() or user.username) if user else ""


def save_or_conflict(form, context):
    """``form.save()``; or, when somebody changed the record since the form was shown, None,
    with what is stored now in ``context`` (see `conflict_details`; answer `status(context)`)
    and the form set to save over it, should its user choose to."""
    try:
        return form.save()
    except EditConflict as conflict:
        # Only the fields this user's form has, masked as the form masks them.
        names = [name for name in form._meta.fields if name in form.fields]
        context.update(conflict_details(conflict.current, names, getattr(form, "sensitive", {})))
        if conflict.current is not None:
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = conflict.current.version
        return None


def status(context):
    """409 for a page that shows a refused save, 200 otherwise."""
    return 409 if "conflict" in context else 200


def conflict_details(current, field_names, masks=None):
    """What to show the person whose save was refused: who changed what, and the values now
    (``masks``: field name → the mask of a sensitive value, which is never shown in full).

    ``current`` is the stored record (None when it was deleted meanwhile).
    """
    if current is None:
        return {"conflict": True, "deleted": True}
    masks = masks or {}
    last = current.history.select_related("history_user").first()
    values = []
    for name in field_names:
        field = current._meta.get_field(name)
        if field.many_to_many:
            value = "、".join(str(item) for item in getattr(current, name).all())
        elif name in masks:
            value = masks[name](getattr(current, name))
        elif field.choices:
            value = getattr(current, f"get_{name}_display")()
        else:
            value = getattr(current, name)
        values.append((field.verbose_name, value))
    return {
        "conflict": True,
        # The name of who changed it ("" for a command or an import without a user).
        "changed_by": _name(last.history_user) if last else "",
        "changed_at": last.history_date if last else None,
        "stored_values": values,
    }
