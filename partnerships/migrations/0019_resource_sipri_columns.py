"""SIPRI's figures on resource-sharing records: help texts for TIV, delivery years as a set of plausible years,
and indexes for the delivery-year filter and for sorting by TIV of the order.
"""

import django.contrib.postgres.indexes
import django.core.validators
import partnerships.models.resources
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0018_duplicates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalresourcesharing',
            name='delivery_years',
            field=partnerships.models.resources.YearSetField(base_field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1900), django.core.validators.MaxValueValidator(2100)]), blank=True, default=list, help_text="Years in which deliveries were made (1900-2100, none before the order's year); stored in increasing order, each once.", size=None),
        ),
        migrations.AlterField(
            model_name='historicalresourcesharing',
            name='tiv_delivered',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Of what has been delivered (SIPRI: TIV of delivered weapons). SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV delivered'),
        ),
        migrations.AlterField(
            model_name='historicalresourcesharing',
            name='tiv_total',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Of the whole order (SIPRI: TIV for total order). SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV of the order'),
        ),
        migrations.AlterField(
            model_name='historicalresourcesharing',
            name='tiv_unit',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Per unit ordered. SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV per unit'),
        ),
        migrations.AlterField(
            model_name='resourcesharing',
            name='delivery_years',
            field=partnerships.models.resources.YearSetField(base_field=models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1900), django.core.validators.MaxValueValidator(2100)]), blank=True, default=list, help_text="Years in which deliveries were made (1900-2100, none before the order's year); stored in increasing order, each once.", size=None),
        ),
        migrations.AlterField(
            model_name='resourcesharing',
            name='tiv_delivered',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Of what has been delivered (SIPRI: TIV of delivered weapons). SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV delivered'),
        ),
        migrations.AlterField(
            model_name='resourcesharing',
            name='tiv_total',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Of the whole order (SIPRI: TIV for total order). SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV of the order'),
        ),
        migrations.AlterField(
            model_name='resourcesharing',
            name='tiv_unit',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='Per unit ordered. SIPRI trend-indicator value, in millions: a measure of the volume of military capability transferred, not a price or a sum of money.', max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='TIV per unit'),
        ),
        migrations.AddIndex(
            model_name='resourcesharing',
            index=django.contrib.postgres.indexes.GinIndex(fields=['delivery_years'], name='resource_delivery_years_gin'),
        ),
        migrations.AddIndex(
            model_name='resourcesharing',
            index=models.Index(fields=['tiv_total'], name='resource_tiv_total_idx'),
        ),
    ]
