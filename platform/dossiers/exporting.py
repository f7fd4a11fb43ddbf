"""Excel export of the dossier list: a sheet of dossiers and a sheet of their household members.

Resident ID numbers are exported masked. With ``full_ids=True`` (a role holding ``dossiers.view_id_number``, asked for
explicitly) they are exported whole, and every exported number writes one ``IdNumberView`` row with
channel="export" — in one ``bulk_create``, in the same transaction as the decryption, so no number leaves without
its audit row. Health and disability data are not exported, nor the birth date: the masked number shows the
area code and the last four characters, so with the birth date it would give the whole number back.
"""

from __future__ import annotations

import io

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.access import require
from dossiers import services
from dossiers.models import Assistance, HouseholdMember
from dossiers.permissions import DossiersPerm
from stations.exporting import DATE_FORMAT, exact_number

EXPORT_CHANNEL = "export"


def _sheet(workbook, title: str, headers: list[str], widths: list[int], first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append(headers)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def export_dossiers(actor, tenant, queryset, *, full_ids: bool = False) -> bytes:
    """The dossiers of `queryset` that `actor` may see, as .xlsx. Full ID numbers only with ``full_ids`` and
    ``DossiersPerm.VIEW_ID_NUMBER`` (404 otherwise), each audited."""
    visible = services.visible_dossiers(actor, tenant)
    if full_ids:
        require(actor, tenant, DossiersPerm.VIEW_ID_NUMBER)
    last_assistance = Assistance.objects.filter(dossier=OuterRef("pk")).order_by("-given_on").values("given_on")[:1]
    members_in_order = HouseholdMember.objects.order_by("dossier_id", "id")
    dossiers = list(
        queryset.filter(pk__in=visible.values("pk"))
        .select_related("employer", "station")
        .prefetch_related(Prefetch("members", queryset=members_in_order))
        .annotate(last_assistance_on=Subquery(last_assistance))
        .order_by("pk")
    )
    members = [member for dossier in dossiers for member in dossier.members.all()]
    numbers = (
        services.reveal_id_numbers(actor, tenant, [m.pk for m in members], channel=EXPORT_CHANNEL) if full_ids else {}
    )

    def id_of(member) -> str:
        return numbers.get(member.pk) or member.id_masked

    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Dossiers"),
        [
            _("No."),
            _("Status"),
            _("Tier"),
            _("Main cause"),
            _("Applicant"),
            _("Resident ID number"),
            _("Employer"),
            _("Station"),
            _("Household size"),
            _("Monthly household income"),
            _("Per-capita income"),
            _("Last assistance"),
            _("Created at"),
        ],
        [8, 10, 18, 16, 12, 22, 28, 28, 10, 16, 14, 14, 14],
        first=True,
    )
    for dossier in dossiers:
        applicant = dossier.applicant()
        sheet.append(
            [
                dossier.pk,
                dossier.get_status_display(),
                dossier.get_tier_display(),
                dossier.get_main_cause_display(),
                applicant.name if applicant else "",
                id_of(applicant) if applicant else "",
                dossier.employer.name if dossier.employer_id else "",
                dossier.station.name if dossier.station_id else "",
                dossier.household_size,
                None,
                None,
                dossier.last_assistance_on,
                dossier.created_at.date(),
            ]
        )
        row = sheet.max_row
        exact_number(sheet.cell(row=row, column=10), dossier.monthly_household_income)
        exact_number(sheet.cell(row=row, column=11), dossier.per_capita_income)
        sheet.cell(row=row, column=12).number_format = DATE_FORMAT
        sheet.cell(row=row, column=13).number_format = DATE_FORMAT

    sheet = _sheet(
        workbook,
        _("Household members"),
        [
            _("Dossier No."),
            _("Relation"),
            _("Name"),
            _("Resident ID number"),
            _("Sex"),
            _("Phone"),
            _("Monthly income"),
            _("Employed"),
            _("Schooling"),
        ],
        [10, 10, 12, 22, 6, 14, 14, 8, 16],
    )
    for member in members:
        sheet.append(
            [
                member.dossier_id,
                member.get_relation_display(),
                member.name,
                id_of(member),
                member.get_sex_display(),
                member.phone,
                None,
                _("Yes") if member.employed else _("No"),
                member.get_schooling_display() if member.schooling else "",
            ]
        )
        exact_number(sheet.cell(row=sheet.max_row, column=7), member.monthly_income)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
