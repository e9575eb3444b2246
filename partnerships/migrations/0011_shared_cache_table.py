"""The table of the shared cache (registry_site.cache, settings CACHES), where the API's rate limits count.

Made by a migration rather than `manage.py createcachetable` so that the
plain `migrate` of the quick start, of deployments and of test databases
creates it. The SQL is what `createcachetable` writes for PostgreSQL; with
IF NOT EXISTS, a table that command made already is kept.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0010_search_documents'),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                'CREATE TABLE IF NOT EXISTS "registry_cache" ('
                ' "cache_key" varchar(255) NOT NULL PRIMARY KEY,'
                ' "value" text NOT NULL,'
                ' "expires" timestamp with time zone NOT NULL)',
                'CREATE INDEX IF NOT EXISTS "registry_cache_expires" ON "registry_cache" ("expires")',
            ],
            reverse_sql=['DROP TABLE IF EXISTS "registry_cache"'],
        ),
    ]
