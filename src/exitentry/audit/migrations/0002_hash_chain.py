"""The audit trail becomes a set of hash chains; events written before join chain 0 in order."""

from django.db import migrations, models

from exitentry.audit.chain import GENESIS_HASH, hash_of


def chain_existing_events(apps, schema_editor):
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    prev_hash = GENESIS_HASH
    seq = 0
    for event in event_model.objects.using(db).order_by("at", "id").iterator(chunk_size=2000):
        seq += 1
        event.shard, event.seq, event.prev_hash = 0, seq, prev_hash
        event.hash = hash_of(event)
        event_model.objects.using(db).filter(pk=event.pk).update(
            shard=0, seq=seq, prev_hash=prev_hash, hash=event.hash
        )
        prev_hash = event.hash
    if seq:
        head_model.objects.using(db).create(shard=0, seq=seq, hash=prev_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("shard", models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name="chain")),
                ("seq", models.PositiveBigIntegerField(default=0, verbose_name="last position")),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64, verbose_name="last hash")),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain heads",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="shard",
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="chain"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="position in chain"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("shard", "seq"), name="auditevent_one_per_chain_position"),
        ),
    ]
