"""Insert many rows and their history fast: PostgreSQL COPY, else Django's bulk_create.

The caller gives plain tuples, not model instances: building an instance per row and preparing
each value through each field costs more than the database's own work. Columns the caller does
not give take the model's defaults, worked out once. Sensitive fields are encrypted once; the
history rows ("+", who, why, when) copy the stored rows inside PostgreSQL, ciphertext and all.
They are the rows `simple_history.utils.bulk_create_with_history` would write.
"""

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.sensitive import EncryptedTextField

BATCH = 2000


def insert_rows(model, fields, rows, *, history=True, user=None, reason="", progress=None):
    """Insert ``rows`` of ``model`` and return their primary keys, in order.

    ``fields`` names the attributes (``household_id``, not ``household``) that each tuple of
    ``rows`` gives, as values ready for the database (dates, not strings); sensitive fields in
    plain text. Every row gets a creation history row if ``history``. ``progress`` is called
    with the number of rows sent so far, every BATCH rows.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        if history:
            bulk_create_with_history(
                objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason
            )
        else:
            model.objects.bulk_create(objs, batch_size=BATCH)
        return [obj.pk for obj in objs]
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    given = [by_name[name] for name in fields]
    secret = [i for i, field in enumerate(given) if isinstance(field, EncryptedTextField)]
    template = model()
    defaulted = [f for f in by_name.values() if not f.primary_key and f.attname not in fields]
    defaults = tuple(
        field.get_db_prep_save(field.pre_save(template, True), connection) for field in defaulted
    )
    columns = ["id", *(field.column for field in given + defaulted)]
    with connection.cursor() as cursor:
        # The sequence is looked up once, in FROM: in the select list it is looked up per row,
        # which costs ten times the nextval calls themselves.
        cursor.execute(
            "SELECT nextval(sequence) FROM pg_get_serial_sequence(%s, 'id') AS sequence, "
            "generate_series(1, %s)",
            [model._meta.db_table, len(rows)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        # One COPY, fed lazily: PostgreSQL stores the rows sent while Python prepares the next.
        full_rows = (
            (pk, *(_encrypt(row, secret, given) if secret else row), *defaults)
            for pk, row in zip(pks, rows, strict=True)
        )
        _copy(cursor, model, columns, full_rows, progress)
        if history:
            _copy_history(cursor, model, columns, pks, user, reason)
    return pks


def _copy_history(cursor, model, columns, pks, user, reason):
    """The history rows of the rows ``pks`` just inserted, copied by PostgreSQL itself: the same
    values (the history row's "id" is the row's pk), who, why and when."""
    historical = model.history.model
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    expected = {f.column for f in historical._meta.concrete_fields} - {"history_id"}
    assert expected == {*columns, *extra}, expected ^ {*columns, *extra}
    quote = connection.ops.quote_name
    names = ", ".join(map(quote, columns))
    array, pks_text = any_array(pks, model._meta.pk.db_type(connection))
    cursor.execute(
        f"INSERT INTO {quote(historical._meta.db_table)} ({names}, {', '.join(extra)}) "
        f"SELECT {names}, %s, %s, '+', %s FROM {quote(model._meta.db_table)} "
        f"WHERE id = ANY({array})",
        [timezone.now(), reason, getattr(user, "pk", None), pks_text],
    )


def any_array(values, db_type):
    """SQL for an array parameter of ``db_type`` and the parameter: ``values`` (integers, or
    text without commas) joined into one text that PostgreSQL splits. psycopg adapts a list
    element by element in Python, which for an import's 70,000 keys costs more than the query."""
    text = ",".join(map(str, values))
    if text.count(",") != max(len(values) - 1, 0):
        raise ValueError("A value of an array parameter contains a comma.")
    return f"string_to_array(%s, ',')::{db_type}[]", text


def _encrypt(row, secret, fields):
    row = list(row)
    for i in secret:
        row[i] = fields[i].get_prep_value(row[i])
    return row


def _copy(cursor, model, columns, rows, progress=None):
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for done, row in enumerate(rows, start=1):
            copy.write_row(row)
            if progress and done % BATCH == 0:
                progress(done)
