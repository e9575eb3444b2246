from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for misspelling-tolerant search (trigram word similarity)."""

    dependencies = [("partnerships", "0002_api_tokens")]

    operations = [TrigramExtension()]
