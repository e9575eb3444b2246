"""The shared cache's table is UNLOGGED: writing it no longer waits for the disk.

Every API request writes its rate-limit count there, and a write to a logged
table commits only once the write-ahead log is flushed: about 4 ms per request
on the benchmark's machine, the largest fixed cost of a request. An unlogged
table writes no WAL, so its commits do not wait. What it costs: after a crash
of PostgreSQL (not a clean restart) the table comes back empty, which for a
cache means counts of rate limits start again; it is not copied to read
replicas, which never read it (registry_site.db_router sends the cache to the
primary).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0023_analysis_data_version'),
    ]

    operations = [
        migrations.RunSQL(
            sql=['ALTER TABLE "registry_cache" SET UNLOGGED'],
            reverse_sql=['ALTER TABLE "registry_cache" SET LOGGED'],
        ),
    ]
