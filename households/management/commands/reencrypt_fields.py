from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from households.sensitive import PREFIX, EncryptedTextField, current_key_id

BATCH = 1000


def encrypted_models():
    """(model, [encrypted fields]) of every installed model, historical models included."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (ID numbers, phones, bank accounts, in the tables and "
        "their history tables) that is not under the first key of FIELD_ENCRYPTION_KEY. "
        "Run it after putting a new key first; afterwards the old key can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the values to re-encrypt."
        )

    def handle(self, *args, dry_run, **options):
        # The stored text starts with the key id, so filtering on the raw column finds the values
        # to re-encrypt without decrypting anything (pattern lookups do not go through the
        # field's encryption).
        current = f"{PREFIX}${current_key_id()}$"
        for model, fields in encrypted_models():
            redone = already = 0
            for field in fields:
                stale = ~Q(**{field.name: ""}) & ~Q(**{f"{field.name}__startswith": current})
                rows = model._base_manager.exclude(**{field.name: ""})
                already += rows.filter(**{f"{field.name}__startswith": current}).count()
                redone += (
                    rows.filter(stale).count() if dry_run else self.reencrypt(model, field, stale)
                )
            verb = "to re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(
                f"{model._meta.label}: {redone} values {verb}, {already} already current."
            )

    def reencrypt(self, model, field, stale) -> int:
        """Rewrite the stale values of ``field``, a batch per transaction; return how many.

        bulk_update writes the columns only: a new ciphertext of the same value is not a change
        of the record, so it gets no history row and no new version (and history rows, which
        hold ciphertext too, are rewritten in place like any other table).
        """
        done, last = 0, None
        while True:
            with transaction.atomic():
                # Locked, so that a value written meanwhile is not overwritten by its old text.
                rows = model._base_manager.select_for_update().filter(stale).order_by("pk")
                if last is not None:
                    rows = rows.filter(pk__gt=last)
                batch = list(rows.only(field.name)[:BATCH])
                if not batch:
                    return done
                # Loading decrypted each value; saving encrypts it under the current key.
                model._base_manager.bulk_update(batch, [field.name])
            done += len(batch)
            last = batch[-1].pk
