"""Non-state actors get ``operates_in`` and lose ``nation``: they are never counted as a state.

A non-state actor entered before this migration with a nation (say UNITA with
Angola) was counted as that nation in every filter, dyad and profile. Its
nation moves to ``operates_in`` before the constraints that forbid it are added.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_nation_to_operates_in(apps, schema_editor):
    Organization = apps.get_model("partnerships", "Organization")
    for organization in Organization.objects.filter(kind="non_state", nation__isnull=False):
        Organization.objects.filter(pk=organization.pk).update(operates_in=organization.nation_id, nation=None)


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0013_party_periods_and_obligations'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalorganization',
            name='operates_in',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='For a non-state actor: the country where it operates (e.g. Angola for UNITA). It is not counted as that nation anywhere.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='partnerships.nation'),
        ),
        migrations.AddField(
            model_name='organization',
            name='operates_in',
            field=models.ForeignKey(blank=True, help_text='For a non-state actor: the country where it operates (e.g. Angola for UNITA). It is not counted as that nation anywhere.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='non_state_actors', to='partnerships.nation'),
        ),
        migrations.AlterField(
            model_name='historicalorganization',
            name='nation',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The nation it belongs to; empty for multinational organizations and non-state actors.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='partnerships.nation'),
        ),
        migrations.AlterField(
            model_name='organization',
            name='nation',
            field=models.ForeignKey(blank=True, help_text='The nation it belongs to; empty for multinational organizations and non-state actors.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organizations', to='partnerships.nation'),
        ),
        migrations.RunPython(move_nation_to_operates_in, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='organization',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'non_state'), _negated=True), ('nation__isnull', True), _connector='OR'), name='organization_non_state_actor_has_no_nation', violation_error_message='A non-state actor belongs to no nation: record where it operates instead.'),
        ),
        migrations.AddConstraint(
            model_name='organization',
            constraint=models.CheckConstraint(condition=models.Q(('operates_in__isnull', True), ('kind', 'non_state'), _connector='OR'), name='organization_only_non_state_actors_operate_in', violation_error_message='Only a non-state actor records a country it operates in.'),
        ),
    ]
