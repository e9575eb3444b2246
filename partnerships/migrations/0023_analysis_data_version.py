"""The registry's data version: one number the database raises with every change to the data.

The analytical answers (network, partners, comparison, strength) are cached
under it (``partnerships.services.answer_cache``). A statement-level trigger on
every table of records, actors and their rows raises it in the writing
transaction, so a reader sees the new number exactly when it sees the new rows:
ORM saves, bulk writes, imports, the admin, raw SQL and TRUNCATE alike. The
per-user tables (list preferences, saved searches, API tokens), the history and
the cache itself do not feed any answer and have no trigger.

A bulk load that turns triggers off (``session_replication_role = replica``, as
``bench/synthetic.py`` does) raises the version itself.
"""

from django.db import migrations

# Every table whose rows the analytical answers read, or may read tomorrow.
# tests/services/test_answer_cache.py checks that each new table is either here or
# named there as not feeding any answer.
TABLES = (
    "partnerships_nation",
    "partnerships_nationsource",
    "partnerships_organization",
    "partnerships_organizationsource",
    "partnerships_organizationalias",
    "partnerships_membership",
    "partnerships_program",
    "partnerships_agreement",
    "partnerships_agreementsource",
    "partnerships_agreementalias",
    "partnerships_agreementparty",
    "partnerships_exercise",
    "partnerships_exercisesource",
    "partnerships_exerciseparticipant",
    "partnerships_resourcesharing",
    "partnerships_resourcesource",
    "partnerships_indicator",
    "partnerships_challengetype",
    "partnerships_assessment",
    "partnerships_measurement",
    "partnerships_finding",
    "partnerships_assessmentchallenge",
    "partnerships_duplicatecandidate",
    "partnerships_mergerecord",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION partnerships_raise_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE partnerships_data_version SET version = version + 1;
    RETURN NULL;
END
$$
"""


def _trigger(table: str) -> str:
    return (
        f'CREATE TRIGGER "{table}_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION partnerships_raise_data_version()"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0022_list_preferences_saved_searches'),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                # One row (the key can only be true); bigint: a write a microsecond for 290,000 years.
                'CREATE TABLE "partnerships_data_version" ('
                ' "id" boolean PRIMARY KEY DEFAULT true CHECK ("id"),'
                ' "version" bigint NOT NULL)',
                'INSERT INTO "partnerships_data_version" ("id", "version") VALUES (true, 1)',
                FUNCTION,
                *[_trigger(table) for table in TABLES],
            ],
            reverse_sql=[
                *[f'DROP TRIGGER IF EXISTS "{table}_data_version" ON "{table}"' for table in TABLES],
                "DROP FUNCTION IF EXISTS partnerships_raise_data_version()",
                'DROP TABLE IF EXISTS "partnerships_data_version"',
            ],
        ),
    ]
