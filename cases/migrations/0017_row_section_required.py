from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """The rows' sections, now filled in by 0016, become required; the typed text goes."""

    dependencies = [
        ('cases', '0016_match_section_text'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='actor',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='actor',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='casepoint',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='casepoint',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='challenge',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='challenge',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='citation',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='citation',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='funding',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='funding',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='historicalactor',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalcasepoint',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalchallenge',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalcitation',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalfunding',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalinfrastructure',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalkeyfigure',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='historicalmilestone',
            name='section_text',
        ),
        migrations.RemoveField(
            model_name='infrastructure',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='infrastructure',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='keyfigure',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='keyfigure',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.RemoveField(
            model_name='milestone',
            name='section_text',
        ),
        migrations.AlterField(
            model_name='milestone',
            name='section',
            field=models.ForeignKey(help_text='出典資料の箇所から選ぶ', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.sourcesection', verbose_name='出典の箇所'),
        ),
        migrations.AddConstraint(
            model_name='citation',
            constraint=models.UniqueConstraint(fields=('case', 'section', 'section_note'), name='citation_unique_per_section', violation_error_message='同じ資料の同じ箇所がすでに出典に挙がっています。'),
        ),
    ]
