"""Insert many rows and their history fast: PostgreSQL COPY, else Django's bulk_create.

The caller gives plain tuples, not model instances: building an instance per row and preparing
each value through each field costs more than the database's own work. Columns the caller does
not give take the model's defaults, worked out once. Sensitive fields are encrypted once; the
history rows ("+", who, why, when) copy the stored rows inside PostgreSQL, ciphertext and all.
They are the rows `simple_history.utils.bulk_create_with_history` would write.
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.sensitive import EncryptedTextField, Sealed, sealer

BATCH = 2000


class BulkWriter:
    """Inserts batches of rows inside the caller's transaction.

    On PostgreSQL the rows are copied in at once; their history rows and their foreign-key
    checks (deferred to the commit otherwise) are left for `flush`, which runs them in a
    background thread on the same connection. PostgreSQL does that work while Python prepares
    the next batch, instead of each waiting for the other. Leaving the writer waits for the
    background work and raises its error, so the transaction never commits without it.
    """

    def __init__(self, *, user=None, reason=""):
        self.user, self.reason = user, reason
        self.postgresql = connection.vendor == "postgresql"
        self.statements = []  # (sql, params) that wait for the next flush
        self.checked = {}  # table → its foreign keys that are deferred to the commit
        self.types = {}  # table → column → type oid, for the binary COPY
        self.unchecked = False  # whether rows were inserted since the last flush
        self.running = None
        self.pool = ThreadPoolExecutor(max_workers=1) if self.postgresql else None

    def __enter__(self):
        return self

    def __exit__(self, error, *_details):
        try:
            if error is None:
                self.flush()
                self.wait()
        finally:
            if self.pool:
                self.pool.shutdown()  # waits for the background work, after an error too

    def insert(self, model, fields, rows, *, history=True, progress=None):
        """Insert ``rows`` of ``model`` and return their primary keys, in order.

        ``fields`` names the attributes (``household_id``, not ``household``) that each tuple
        of ``rows`` gives, as values ready for the database (dates, not strings); sensitive
        fields in plain text, or sealed already (`households.sensitive.seal`). Every row gets
        a creation history row if ``history``.
        ``progress`` is called with the number of rows sent so far, every BATCH rows.
        """
        self.wait()  # the connection is the background work's until it ends
        if not rows:
            return []
        if not self.postgresql:
            objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
            if history:
                bulk_create_with_history(
                    objs,
                    model,
                    batch_size=BATCH,
                    default_user=self.user,
                    default_change_reason=self.reason,
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
            field.get_db_prep_save(field.pre_save(template, True), connection)
            for field in defaulted
        )
        columns = ["id", *(field.column for field in given + defaulted)]
        with connection.cursor() as cursor:
            # The sequence is looked up once, in FROM: in the select list it is looked up per
            # row, which costs ten times the nextval calls themselves.
            cursor.execute(
                "SELECT nextval(sequence) FROM pg_get_serial_sequence(%s, 'id') AS sequence, "
                "generate_series(1, %s)",
                [model._meta.db_table, len(rows)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
            # One COPY, fed lazily: PostgreSQL stores the rows sent while Python prepares more.
            seal = sealer()
            full_rows = (
                (pk, *(_encrypt(row, secret, seal) if secret else row), *defaults)
                for pk, row in zip(pks, rows, strict=True)
            )
            _copy(cursor, model, columns, self._types(cursor, model), full_rows, progress)
        self._written(model)
        if history:
            self.statements.append(_history(model, columns, pks, self.user, self.reason))
            self._written(model.history.model)
        return pks

    def flush(self):
        """Start the history rows and the foreign-key checks of the rows inserted so far."""
        if not self.unchecked:
            return
        names = ", ".join(
            connection.ops.quote_name(name) for names in self.checked.values() for name in names
        )
        statements = self.statements
        if names:
            # Made immediate, the checks waiting for the commit run now; deferred again, the
            # checks of the next rows wait once more.
            statements += [
                (f"SET CONSTRAINTS {names} IMMEDIATE", []),
                (f"SET CONSTRAINTS {names} DEFERRED", []),
            ]
        self.statements, self.unchecked = [], False
        self.wait()
        self.running = self.pool.submit(_execute, connection.connection, statements)

    def wait(self):
        """Wait for the background work, raising its error as Django's (IntegrityError…)."""
        if self.running is not None:
            running, self.running = self.running, None
            with connection.wrap_database_errors:
                running.result()

    def _types(self, cursor, model):
        """Column name → type oid of ``model``'s table, read once from the catalog."""
        table = model._meta.db_table
        if table not in self.types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            self.types[table] = dict(cursor.fetchall())
        return self.types[table]

    def _written(self, model):
        """Note that ``model``'s table has rows to check, and which foreign keys check them."""
        self.unchecked = True
        table = model._meta.db_table
        if table not in self.checked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' AND condeferrable AND condeferred",
                    [table],
                )
                self.checked[table] = [name for (name,) in cursor.fetchall()]


def _execute(raw_connection, statements):
    """Run ``statements`` on the psycopg connection under Django's (in a background thread:
    Django's own wrapper belongs to the thread that opened it)."""
    with raw_connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _history(model, columns, pks, user, reason):
    """The statement that writes the history rows of the rows ``pks`` just inserted, copied by
    PostgreSQL itself: the same values (the history row's "id" is the row's pk), who, why and
    when."""
    historical = model.history.model
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    expected = {f.column for f in historical._meta.concrete_fields} - {"history_id"}
    assert expected == {*columns, *extra}, expected ^ {*columns, *extra}
    quote = connection.ops.quote_name
    names = ", ".join(map(quote, columns))
    array, pks_text = any_array(pks, model._meta.pk.db_type(connection))
    return (
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


def _encrypt(row, secret, seal):
    """``row`` with its values at the positions ``secret`` sealed, unless empty or sealed."""
    if all(type(row[i]) is Sealed or not row[i] for i in secret):
        return row
    row = list(row)
    for i in secret:
        if row[i] and type(row[i]) is not Sealed:
            row[i] = seal(row[i])
    return row


def _copy(cursor, model, columns, types, rows, progress=None):
    """COPY ``rows`` in PostgreSQL's binary format: no value is written out as text in Python
    and parsed again by the server (dates, numbers, booleans), and no text is escaped."""
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([types[column] for column in columns])
        for done, row in enumerate(rows, start=1):
            copy.write_row(row)
            if progress and done % BATCH == 0:
                progress(done)
