"""The editions the service ships with (service.policy), as rows an administrator may edit."""

from django.db import migrations


def seed(apps, schema_editor):
    from bekitu.service.facts import edition_fields
    from bekitu.service.policy import EDITIONS

    PolicyEdition = apps.get_model("service", "PolicyEdition")
    for policy in EDITIONS:
        PolicyEdition.objects.update_or_create(
            edition=policy.edition, defaults=edition_fields(policy)
        )


def unseed(apps, schema_editor):
    from bekitu.service.policy import EDITIONS

    PolicyEdition = apps.get_model("service", "PolicyEdition")
    PolicyEdition.objects.filter(edition__in=[p.edition for p in EDITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0009_policy_editions")]

    operations = [migrations.RunPython(seed, unseed)]
