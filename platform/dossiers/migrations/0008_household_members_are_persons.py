"""Each household member links to the union's one record of that person (core.people.Person): one Person per
distinct blind index among the existing members, linked to every member row with that index. The encrypted
number is copied as it is — same schema, same key — so the migration needs no key and never sees a number. The
member's own columns stay for now (the dossiers code still reads them)."""

import django.db.models.deletion
from django.db import migrations, models


def link_members_to_persons(apps, schema_editor):
    HouseholdMember = apps.get_model("dossiers", "HouseholdMember")
    Person = apps.get_model("people", "Person")
    latest: dict[str, object] = {}
    for member in HouseholdMember.objects.order_by("id_index", "-dossier_id", "-id").iterator():
        latest.setdefault(member.id_index, member)  # the newest dossier's name and phone
    Person.objects.bulk_create(
        [
            Person(
                name=m.name,
                id_number_encrypted=m.id_number_encrypted,
                id_index=m.id_index,
                id_masked=m.id_masked,
                birth_date=m.birth_date,
                sex=m.sex,
                phone=m.phone,
            )
            for m in latest.values()
        ],
        batch_size=1000,
    )
    # One statement, in the schema the migration runs in (the search path is the tenant's).
    schema_editor.execute(
        "UPDATE dossiers_householdmember m SET person_id = p.id FROM people_person p WHERE p.id_index = m.id_index"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0007_employer_is_a_people_unit'),
        ('people', '0002_persons_and_personal_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='householdmember',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='household_memberships', to='people.person'),
        ),
        migrations.RunPython(link_members_to_persons, migrations.RunPython.noop),
    ]
