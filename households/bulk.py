"""Insert many rows and their history fast: PostgreSQL COPY, else Django's bulk_create.

`bulk_create` spends most of its time preparing each value through each field; COPY takes the
rows as Python values. Sensitive fields are encrypted once and the same ciphertext goes to the
row and to its history row. The result is the same rows, history rows ("+", who, why, when) and
primary keys set on the instances as `simple_history.utils.bulk_create_with_history` gives.
"""

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.sensitive import EncryptedTextField

BATCH = 2000


def insert_with_history(objs, model, *, user=None, reason="", history=True):
    """Insert the unsaved ``objs`` of ``model``, with a creation history row each if ``history``."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        if history:
            bulk_create_with_history(
                objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason
            )
        else:
            model.objects.bulk_create(objs, batch_size=BATCH)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ["id", *(field.column for field in fields)]
    secret = [i for i, field in enumerate(fields, 1) if isinstance(field, EncryptedTextField)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(objs)],
        )
        rows = []
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            row = [pk, *(field.pre_save(obj, True) for field in fields)]
            for i in secret:
                row[i] = fields[i - 1].get_prep_value(row[i])
            rows.append(row)
        _copy(cursor, model, columns, rows)
        if history:
            # The history row repeats the row (its "id" is the row's pk) and says who and why.
            historical = model.history.model
            extra = {
                "history_date": timezone.now(),
                "history_change_reason": reason,
                "history_type": "+",
                "history_user_id": getattr(user, "pk", None),
            }
            position = {column: i for i, column in enumerate(columns)}
            history_columns = [f.column for f in historical._meta.concrete_fields]
            history_columns.remove("history_id")
            picks = [position.get(column) for column in history_columns]
            history_rows = (
                [
                    extra[c] if i is None else row[i]
                    for c, i in zip(history_columns, picks, strict=True)
                ]
                for row in rows
            )
            _copy(cursor, historical, history_columns, history_rows)


def _copy(cursor, model, columns, rows):
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
