"""Client search that stays fast with 100,000 clients.

The front desk searches for words anywhere in "first last email phone" (`UPPER(...) LIKE
'%WORD%'`, which is what Django's `icontains` sends to PostgreSQL), and by a phone's digits.
B-tree indexes cannot serve a leading wildcard; pg_trgm GIN indexes on exactly those two
expressions can (one index for the text: each word is one index condition, and the planner
never has to OR four indexes together).

PostgreSQL only, like sessions_app/0002: SQLite (development) has no pg_trgm and its searches
of a demo database need no index. The indexes are built from Django expressions so that their
SQL is exactly what the queries in clinic/clients.py compile to.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat, Replace, Upper

# Must match clinic.clients.haystack / phone_digits (frozen here, as migrations should be).
PHONE_PUNCTUATION = (" ", "-", "(", ")", ".")


def _haystack():
    return Concat(
        "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "), "phone",
        output_field=TextField(),
    )


def _phone_digits():
    expression = F("phone")
    for character in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def _indexes():
    return [
        GinIndex(OpClass(Upper(_haystack()), name="gin_trgm_ops"), name="client_search_trgm"),
        GinIndex(OpClass(_phone_digits(), name="gin_trgm_ops"), name="client_phone_digits_trgm"),
    ]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    client = apps.get_model("clinic", "Client")
    for index in _indexes():
        schema_editor.add_index(client, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in _indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index.name)}")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_portal")]
    operations = [
        TrigramExtension(),  # CreateExtension does nothing on other databases
        migrations.RunPython(add_indexes, drop_indexes),
    ]
