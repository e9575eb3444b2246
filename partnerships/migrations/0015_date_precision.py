"""Each imprecise date gets its precision (day, month, year) beside it.

Rows already saved keep "day": what they were shown as until now. Importers
set "month" or "year" where their source gives no more (SIPRI's order years,
MME's unknown days, ATOP's unknown days and months) when they run again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0014_organization_operates_in"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="ended_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of ended_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known. ended_on is the first day no longer in force: with month or year precision, the month or year is that of the day before it (the last day in force).",
                max_length=8,
                verbose_name="ended on precision",
            ),
        ),
        migrations.AddField(
            model_name="agreement",
            name="in_force_from_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of in_force_from the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="in force from precision",
            ),
        ),
        migrations.AddField(
            model_name="agreement",
            name="signed_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of signed_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="signed on precision",
            ),
        ),
        migrations.AddField(
            model_name="agreementparty",
            name="joined_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of joined_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="joined on precision",
            ),
        ),
        migrations.AddField(
            model_name="agreementparty",
            name="withdrew_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of withdrew_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known. withdrew_on is the first day no longer in force: with month or year precision, the month or year is that of the day before it (the last day in force).",
                max_length=8,
                verbose_name="withdrew on precision",
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="end_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of end_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="end date precision",
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="start_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of start_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="start date precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreement",
            name="ended_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of ended_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known. ended_on is the first day no longer in force: with month or year precision, the month or year is that of the day before it (the last day in force).",
                max_length=8,
                verbose_name="ended on precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreement",
            name="in_force_from_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of in_force_from the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="in force from precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreement",
            name="signed_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of signed_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="signed on precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreementparty",
            name="joined_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of joined_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="joined on precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreementparty",
            name="withdrew_on_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of withdrew_on the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known. withdrew_on is the first day no longer in force: with month or year precision, the month or year is that of the day before it (the last day in force).",
                max_length=8,
                verbose_name="withdrew on precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalexercise",
            name="end_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of end_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="end date precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalexercise",
            name="start_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of start_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="start date precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalresourcesharing",
            name="end_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of end_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="end date precision",
            ),
        ),
        migrations.AddField(
            model_name="historicalresourcesharing",
            name="start_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of start_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="start date precision",
            ),
        ),
        migrations.AddField(
            model_name="resourcesharing",
            name="end_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of end_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="end date precision",
            ),
        ),
        migrations.AddField(
            model_name="resourcesharing",
            name="start_date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")],
                db_default="day",
                default="day",
                help_text="How much of start_date the source gives: the day, only the month, or only the year (the date is then the first day of that month or year for a start, the last for an end). Pages and CSV exports show the date only as far as it is known.",
                max_length=8,
                verbose_name="start date precision",
            ),
        ),
        migrations.AddConstraint(
            model_name="agreement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("signed_on_precision__in", ["day", "month", "year"]),
                    ("in_force_from_precision__in", ["day", "month", "year"]),
                    ("ended_on_precision__in", ["day", "month", "year"]),
                ),
                name="agreement_date_precisions_valid",
                violation_error_message="A date's precision is day, month or year.",
            ),
        ),
        migrations.AddConstraint(
            model_name="agreementparty",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("joined_on_precision__in", ["day", "month", "year"]),
                    ("withdrew_on_precision__in", ["day", "month", "year"]),
                ),
                name="agreementparty_date_precisions_valid",
                violation_error_message="A date's precision is day, month or year.",
            ),
        ),
        migrations.AddConstraint(
            model_name="exercise",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("start_date_precision__in", ["day", "month", "year"]),
                    ("end_date_precision__in", ["day", "month", "year"]),
                ),
                name="exercise_date_precisions_valid",
                violation_error_message="A date's precision is day, month or year.",
            ),
        ),
        migrations.AddConstraint(
            model_name="resourcesharing",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("start_date_precision__in", ["day", "month", "year"]),
                    ("end_date_precision__in", ["day", "month", "year"]),
                ),
                name="resourcesharing_date_precisions_valid",
                violation_error_message="A date's precision is day, month or year.",
            ),
        ),
    ]
