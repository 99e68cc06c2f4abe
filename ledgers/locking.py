"""Optimistic locking for ledger records: a second save over a stale copy is refused.

Every editable ledger model has a ``version`` that goes up by one with each change. A form
carries the version it was rendered with; saving checks and bumps it in one conditional UPDATE,
so of two people editing the same record only the first one wins and the second sees the other
person's values instead of silently overwriting them. Bulk updates (``queryset.update``) bump
the version too, so an edit form opened before an import or a bulk change is refused as well.
"""

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from teams.forms import ScopedModelForm


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


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


def _claim(instance, version):
    """Bump the stored version iff it still is ``version``; raise EditConflict otherwise."""
    manager = type(instance)._default_manager
    if not manager.filter(pk=instance.pk, version=version).update(version=version + 1):
        raise EditConflict(manager.filter(pk=instance.pk).first())


def save_versioned(instance, *, version):
    """Save changes made to a copy of version ``version`` of ``instance``."""
    with transaction.atomic():
        _claim(instance, version)
        instance.version = version + 1
        instance.save()


def delete_versioned(instance, *, version):
    """Delete ``instance`` unless somebody changed it after version ``version`` was shown."""
    with transaction.atomic():
        _claim(instance, version)
        instance.delete()


class VersionedForm(ScopedModelForm):
    """A scoped ModelForm whose save refuses stale edits (raises EditConflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def save(self, commit=True):
        instance = super().save(commit=False)
        if instance._state.adding:
            instance.save()
        else:
            save_versioned(instance, version=self.cleaned_data["version"] or 0)
        self.save_m2m()
        return instance


def _name(user):
    return (user.get_full_name() or user.username) if user else ""


def conflict_details(current, field_names):
    """What to show the person whose save was refused: who changed what, and the values now.

    ``current`` is the stored record (None when it was deleted meanwhile).
    """
    if current is None:
        return {"conflict": True, "deleted": True}
    last = current.history.select_related("history_user").first()
    values = []
    for name in field_names:
        field = current._meta.get_field(name)
        if field.many_to_many:
            value = "、".join(str(item) for item in getattr(current, name).all())
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
