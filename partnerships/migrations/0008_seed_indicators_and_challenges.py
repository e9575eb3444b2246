"""Seed the indicator catalogue and the challenge taxonomy."""

from django.db import migrations


def seed(apps, schema_editor):
    from partnerships.services.catalogues import seed as seed_catalogues

    seed_catalogues(apps.get_model("partnerships", "Indicator"), apps.get_model("partnerships", "ChallengeType"))


def unseed(apps, schema_editor):
    from partnerships.services.catalogues import CHALLENGE_TYPES, INDICATORS

    apps.get_model("partnerships", "Indicator").objects.filter(slug__in=[row[0] for row in INDICATORS]).delete()
    challenge_types = apps.get_model("partnerships", "ChallengeType")
    # Children first: parents are protected.
    for slug, _name, _parent, _description in reversed(CHALLENGE_TYPES):
        challenge_types.objects.filter(slug=slug).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0007_assessments")]

    operations = [migrations.RunPython(seed, unseed)]
