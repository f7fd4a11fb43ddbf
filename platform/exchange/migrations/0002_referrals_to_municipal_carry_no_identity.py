"""Referrals already sent to the municipal union carried the applicant's name, phone and masked ID number; the
municipal union sees aggregates, never personal data (D-MU1). Strip them from those summaries (the sending union
keeps the identity behind the case reference). Not reversible: the identity is not kept anywhere to put back."""

from django.db import migrations

IDENTITY_KEYS = ("applicant", "phone", "id_masked")


def strip_identity(apps, schema_editor):
    Referral = apps.get_model("exchange", "Referral")
    referrals = Referral.objects.filter(to_tenant__kind="municipal").select_related("from_tenant")
    for referral in referrals.iterator():
        summary = dict(referral.summary or {})
        if not any(key in summary for key in IDENTITY_KEYS):
            continue
        for key in IDENTITY_KEYS:
            summary.pop(key, None)
        summary.setdefault("case", f"{referral.from_tenant.short_code}-{referral.from_dossier_id}")
        Referral.objects.filter(pk=referral.pk).update(summary=summary)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial"), ("tenants", "0001_initial")]

    operations = [migrations.RunPython(strip_identity, migrations.RunPython.noop)]
