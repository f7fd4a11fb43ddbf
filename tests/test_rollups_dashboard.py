"""The municipal dashboard pages: coverage, dossiers, assistance, funds, receptions, trends, drill-down to one
union, Excel export; read from the rollup facts only, small personal cells suppressed, charts from our statics."""

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Sum
from django.utils import timezone, translation
from openpyxl import load_workbook

from dossiers.models import Dossier
from rollups import services, views
from rollups.models import Period, RollupFact
from tests.test_rollups import compute_all, fill

PAGES = ["/rollups/", "/rollups/trend/", "/rollups/export/", "/rollups/trend/export/"]


@pytest.fixture
def figures(standards, tenant_a, tenant_b, persona):
    """Tenant A: 3 draft + 2 filed dossiers, 1000.25 income; tenant B: 2 draft + 2 filed, 777.77 income."""
    fill(tenant_a, persona("alice"), 5, "1000.25")
    fill(tenant_b, persona("bob"), 4, "777.77")
    compute_all(tenant_a, tenant_b)


def _section(html: str, key: str) -> str:
    start = html.index(f'<section class="card" id="{key}">')
    return html[start : html.index("</section>", start)]


def _sheet(content: bytes, key: str, kind: str = Period.MONTH, tenant_id=None):
    keys = [t.key for t in views.dashboard_tables(kind, timezone.localdate(), tenant_id)]
    if tenant_id is not None:
        keys.insert(0, "units")  # a union's export starts with its units
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[keys.index(key)]
    return {row[0]: row[1:] for row in ws.iter_rows(min_row=views.exporting.HEADER_ROW + 1, values_only=True) if row[0]}


def _label(choice) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(choice.label)


def test_pages_answer_the_municipal_users_only(figures, tenant_a, municipal, persona, client_for):
    for user in ("mayor", "ana"):
        client = client_for(municipal, persona(user))
        for url in [*PAGES, f"/rollups/unions/{tenant_a.pk}/", f"/rollups/unions/{tenant_a.pk}/export/"]:
            assert client.get(url).status_code == 200, (user, url)
        assert client.get("/rollups/unions/999999/").status_code == 404
    county = client_for(tenant_a, persona("alice"))  # a county user: the pages do not exist on her union
    elsewhere = client_for(municipal, persona("alice"))  # not a member of the municipal union: not logged in there
    for url in [*PAGES, f"/rollups/unions/{tenant_a.pk}/", "/rollups/status/"]:
        assert county.get(url).status_code == 404, url
        response = elsewhere.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_dashboard_shows_city_sums_with_labels_and_our_own_chart_script(figures, municipal, persona, client_for):
    html = client_for(municipal, persona("ana")).get("/rollups/", {"period": "month"}).content.decode()
    status = _section(html, "dossiers_status")
    assert _label(Dossier.Status.DRAFT) in status and _label(Dossier.Status.FILED) in status
    assert "<td>5</td>" in status and "<td>4</td>" in status  # city: 3 + 2 draft, 2 + 2 filed
    assert "1,778.02" in _section(html, "funds")  # 1000.25 + 777.77 income
    assert '<script src="/static/rollups/chart.umd.min.js">' in html
    assert not re.search(r"https?://", html)
    assert finders.find("rollups/chart.umd.min.js") and finders.find("rollups/dashboard.js")
    assert 'id="chart-dossiers_status"' in html  # the chart's data


def test_drill_down_shows_one_unions_figures_suppressed_where_small(
    figures, tenant_a, tenant_b, municipal, persona, client_for
):
    client = client_for(municipal, persona("mayor"))
    html = client.get(f"/rollups/unions/{tenant_a.pk}/").content.decode()
    assert tenant_a.name in html and tenant_b.name not in html
    assert "1,000.25" in html and "777.77" not in html
    status = _section(html, "dossiers_status")
    assert "<td>3</td>" in status  # 3 drafts shown
    assert "&lt; 3" in status  # 2 filed: suppressed
    assert "<td>2</td>" not in status
    sheet = _sheet(
        client.get(f"/rollups/unions/{tenant_a.pk}/export/").content, "dossiers_status", tenant_id=tenant_a.pk
    )
    assert sheet[_label(Dossier.Status.FILED)][0] == "<3"
    assert Decimal(str(sheet[_label(Dossier.Status.DRAFT)][0])) == 3


def test_export_numbers_equal_the_facts(figures, municipal, persona, client_for):
    month = services.current_periods()[0][1]
    response = client_for(municipal, persona("ana")).get("/rollups/export/", {"period": "month"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    facts = RollupFact.objects.filter(period_kind=Period.MONTH, period_start=month)
    statuses = _sheet(response.content, "dossiers_status")
    for status in ("draft", "filed"):
        expected = facts.filter(metric="dossiers.count", dims__status=status).aggregate(t=Sum("value"))["t"]
        assert Decimal(str(statuses[_label(Dossier.Status(status))][0])) == expected
    funds = _sheet(response.content, "funds")
    from stations.models import FundEntry

    for kind in ("income", "expenditure"):
        expected = facts.filter(metric="stations.fund_flows", dims__kind=kind).aggregate(t=Sum("value"))["t"]
        assert Decimal(str(funds[_label(FundEntry.Kind(kind))][0])) == expected
    assert expected == Decimal("-21.00")


def test_trend_has_twelve_months_and_exports(figures, tenant_a, municipal, persona, client_for):
    client = client_for(municipal, persona("mayor"))
    html = client.get("/rollups/trend/", {"metric": "dossiers.count", "dim": "status"}).content.decode()
    month = services.current_periods()[0][1]
    assert html.count("<tr>") >= 13  # header + 12 months
    row = html[html.index(f"<td>{month:%Y-%m}</td>") :].split("</tr>")[0]
    assert "<td>5</td>" in row and "<td>4</td>" in row
    one = client.get("/rollups/trend/", {"metric": "dossiers.count", "dim": "status", "tenant": tenant_a.pk})
    row = one.content.decode().split(f"<td>{month:%Y-%m}</td>")[1].split("</tr>")[0]
    assert "<td>3</td>" in row and "&lt; 3" in row
    wb = load_workbook(io.BytesIO(client.get("/rollups/trend/export/", {"metric": "dossiers.count"}).content))
    rows = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[0]}
    assert len(rows) == 12 and Decimal(str(rows[f"{month:%Y-%m}"])) == 9


def test_status_endpoint_reports_the_waiting_tenant_periods(figures, tenant_a, municipal, persona, client_for):
    client = client_for(municipal, persona("ana"))
    assert client.get("/rollups/status/").json()["waiting"] == 0
    services.mark_dirty(tenant_a.pk)
    assert client.get("/rollups/status/").json()["waiting"] == 2
    html = client.get("/rollups/").content.decode()
    assert 'data-waiting="2"' in html and "<progress" in html


def test_coverage_per_union_against_the_target(standards, tenant_a, tenant_b, municipal, persona, client_for):
    from datetime import date

    from django_tenants.utils import schema_context

    from core.people.models import Unit
    from stations import services as stations
    from stations.models import CoverageTarget

    year = timezone.localdate().year
    with schema_context(municipal.schema_name):
        CoverageTarget.objects.create(year=year, share=Decimal("75"))
    with schema_context(tenant_a.schema_name):
        for i in range(4):
            unit = Unit.objects.create(kind="enterprise", name=f"企业{i}", has_union=True, above_designated_size=True)
            if i < 3:
                stations.save_station(
                    persona("alice"), tenant_a, {"unit": unit, "kind": "own", "established_on": date(2020, 1, 1)}
                )
    compute_all(tenant_a, tenant_b)
    client = client_for(municipal, persona("mayor"))
    html = client.get("/rollups/", {"period": "year"}).content.decode()
    row = _section(html, "coverage").split(tenant_a.name)[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", row) == ["4", "3", "75", "75"]
    years = _section(html, "coverage_years").split(tenant_a.name)[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", years)[-1] == "75"
    sheet = _sheet(client.get("/rollups/export/", {"period": "year"}).content, "coverage", kind=Period.YEAR)
    assert [Decimal(str(v)) for v in sheet[tenant_a.name][:4]] == [4, 3, Decimal("75.0"), 75]
