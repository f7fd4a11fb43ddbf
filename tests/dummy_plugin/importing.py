"""The dummy plugin's spreadsheet import, on the core's import kit: things, each with an optional owner found
again (or made) as the union's person record by the owner's resident ID number (a personal column: masked in
every report)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from core.importing import Column, Importer, cell_text, finish_template
from core.people.services import find_or_create_person


class ThingImporter(Importer):
    columns = (
        Column("name", "名称", ("name",), required=True),
        Column("amount", "金额", ("amount",)),
        Column("owner_name", "持有人姓名", ("owner",)),
        Column("owner_id", "持有人身份证号", ("owner id",), personal=True),
    )
    permission = "dummy.manage_things"
    saved_as = "things"
    title = "Import things"
    intro = "One thing per row."

    def parse_row(self, number, raw, report):
        name = cell_text(raw.get("name"))
        if not name:
            report.add_for(number, "name", "Enter the name.", "required")
        try:
            amount = Decimal(cell_text(raw.get("amount")) or "0")
        except InvalidOperation:
            report.add_for(number, "amount", "Enter an amount.")
            amount = Decimal("0")
        return number, name, amount, cell_text(raw.get("owner_name")), cell_text(raw.get("owner_id"))

    def save_rows(self, rows, report):
        from tests.dummy_plugin.models import Thing

        saved = []
        for number, name, amount, owner_name, owner_id in rows:
            owner = None
            if owner_id:
                try:
                    owner = find_or_create_person(self.tenant, name=owner_name or name, id_number=owner_id)
                except ValidationError as exc:
                    report.add_for(number, "owner_id", exc.messages[0])
                    continue
            saved.append(Thing.objects.create(name=name, amount=amount, owner=owner))
        report.saved, report.created = saved, len(saved)

    @classmethod
    def column_help(cls):
        return [(column.header, column.field) for column in cls.columns]

    @classmethod
    def template(cls):
        workbook = Workbook()
        workbook.active.append([column.header for column in cls.columns])
        return finish_template(workbook, cls.column_help(), "", width=20)
