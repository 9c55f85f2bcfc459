import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_freezewindow_updated_at"),
    ]

    operations = [
        # Links made before this release take the time of the upgrade: a tool polling the ticket
        # feed from before it sees them once, as new.
        migrations.AddField(
            model_name="ticketreference",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
