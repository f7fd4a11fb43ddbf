"""The station pages: stations, units, coverage, the reception register and the funds.

Every data test builds the same kind of world on tenant A and tenant B (through the services, in each tenant's
schema) and checks that B's data never shows on A's host, and that B's ids answer 404 there. Pages are asked for
in English so the assertions do not depend on the translation catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from core.people.models import Unit
from stations import services
from stations.models import FundAccount, ReceptionRecord, Station
from tests.isolation import assert_absent_from, assert_not_found, assert_only_in, guard

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@dataclass
class World:
    township: object
    enterprise: object
    small: object
    lacking: object
    host: object
    own: object
    attached: object
    record: object
    account: object
    names: tuple[str, ...]


def build_world(tenant, admin, label: str) -> World:
    """A township with its own station, an enterprise with its own station and fund, a small enterprise attached
    to the township's station, an above-size enterprise without any station, and one reception record."""
    from stations import services
    from stations.models import StationStaff

    with schema_context(tenant.schema_name):
        township = services.save_unit(admin, tenant, {"kind": "township", "name": f"{label}镇"})
        enterprise = services.save_unit(
            admin,
            tenant,
            {
                "kind": "enterprise",
                "name": f"{label}机械有限公司",
                "parent": township,
                "employee_count": 350,
                "has_union": True,
                "union_is_sound": True,
                "above_designated_size": True,
            },
        )
        small = services.save_unit(
            admin,
            tenant,
            {
                "kind": "enterprise",
                "name": f"{label}小作坊",
                "parent": township,
                "employee_count": 20,
                "has_union": True,
            },
        )
        lacking = services.save_unit(
            admin,
            tenant,
            {
                "kind": "enterprise",
                "name": f"{label}无站公司",
                "employee_count": 500,
                "has_union": True,
                "union_is_sound": True,
                "above_designated_size": True,
            },
        )
        day = timezone.localdate() - timedelta(days=400)
        host = services.save_station(admin, tenant, {"unit": township, "kind": "own", "established_on": day})
        own = services.save_station(
            admin, tenant, {"unit": enterprise, "kind": "own", "established_on": day, "head_name": f"{label}站长"}
        )
        StationStaff.objects.create(station=own, name=f"{label}工作人员", full_time=True)
        attached = services.save_station(
            admin, tenant, {"unit": small, "kind": "attached", "host_station": host, "established_on": day}
        )
        record = services.register_visit(
            admin,
            tenant,
            station=own,
            visitor_name=f"{label}来访者",
            category="living",
            request=f"{label}的求助",
            visited_at=timezone.now() - timedelta(days=30),
        )
        account = services.open_account(admin, tenant, name=f"{label}帮扶资金", station=own)
        services.book_income(admin, tenant, account.pk, amount="1234.50", source="enterprise")
        names = (
            township.name,
            enterprise.name,
            small.name,
            lacking.name,
            host.name,
            own.name,
            attached.name,
            record.visitor_name,
            account.name,
        )
    return World(township, enterprise, small, lacking, host, own, attached, record, account, names)


B_IDS_FROM = 1_000_000


def move_ids_apart(tenant) -> None:
    """Start the tenant's station ids far above the other tenant's, so a B id can never name an A row by chance
    (each schema has its own sequences)."""
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        for table in ("stations_unit", "stations_station", "stations_receptionrecord", "stations_fundaccount"):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, (SELECT COALESCE(MAX(id), 0) FROM "
                + table
                + ")))",
                [table, B_IDS_FROM],
            )


@pytest.fixture
def worlds(tenant_a, tenant_b, persona):
    a = build_world(tenant_a, persona("alice"), "甲")
    move_ids_apart(tenant_b)
    return a, build_world(tenant_b, persona("bob"), "乙")


@pytest.fixture
def bob(worlds, tenant_b, client_for, persona):
    """Bob, tenant B's administrator, on B's host: every page he gets is checked for tenant A's names."""
    return guard(client_for(tenant_b, persona("bob"), **EN), worlds[0].names)


@pytest.fixture
def alice(request, tenant_a, client_for, persona):
    """Alice on tenant A's host; in a test with `worlds`, every page she gets is checked for tenant B's names."""
    client = client_for(tenant_a, persona("alice"), **EN)
    if "worlds" in request.fixturenames:
        guard(client, request.getfixturevalue("worlds")[1].names)
    return client


def page(response) -> str:
    return response.content.decode()


def assert_none_of(names, text):
    for name in names:
        assert name not in text, name


def scope_amy(tenant, unit):
    from tenants.models import Membership

    Membership.objects.filter(user__username="amy", tenant=tenant).update(unit_id=unit.pk)


# ----------------------------------------------------------------------------------------------- navigation
def test_navigation_shows_the_station_menu_for_alice(tenant_a, alice):
    text = page(alice.get("/"))
    nav = re.search(r'<nav class="sidebar"[^>]*>(.*?)</nav>', text, re.S).group(1)
    for url in ("/stations/", "/stations/reception/", "/stations/funds/", "/stations/coverage/", "/stations/units/"):
        assert f'href="{url}"' in nav, url


def test_anonymous_is_sent_to_login_and_staff_cannot_manage(tenant_a, client_for, persona):
    response = client_for(tenant_a).get("/stations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    amy = client_for(tenant_a, persona("amy"), **EN)
    assert amy.get("/stations/").status_code == 200
    assert amy.get("/stations/new/").status_code == 404
    assert amy.get("/stations/units/new/").status_code == 404


# ------------------------------------------------------------------------------------------------- stations
def test_station_list_shows_only_the_tenants_stations(worlds, alice, tenant_b, client_for, persona):
    a, b = worlds
    text = page(alice.get("/stations/"))
    for name in (a.host.name, a.own.name, a.attached.name, a.enterprise.name):
        assert name in text
    assert_none_of(b.names, text)
    assert 'href="/stations/new/"' in text

    filtered = page(alice.get("/stations/", {"kind": "attached"}))
    assert a.attached.name in filtered and a.own.name not in filtered

    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/stations/"))
    assert b.own.name in text_b
    assert_none_of(a.names, text_b)


def test_foreign_ids_answer_404_on_a(worlds, alice):
    _a, b = worlds
    assert b.own.pk > B_IDS_FROM and b.record.pk > B_IDS_FROM and b.account.pk > B_IDS_FROM
    for url in (
        f"/stations/{b.own.pk}/",
        f"/stations/{b.own.pk}/edit/",
        f"/stations/units/{b.lacking.pk}/edit/",
        f"/stations/reception/{b.record.pk}/",
        f"/stations/funds/{b.account.pk}/",
    ):
        assert alice.get(url).status_code == 404, url
    assert alice.post(f"/stations/funds/{b.account.pk}/", {"action": "income"}).status_code == 404
    assert alice.post(f"/stations/reception/{b.record.pk}/", {"action": "archive"}).status_code == 404
    assert alice.get("/stations/999999/").status_code == 404
    assert alice.get("/stations/reception/999999/").status_code == 404
    assert alice.get("/stations/funds/999999/").status_code == 404


def test_station_detail_shows_checklist_staff_attachments_records_and_fund(worlds, alice):
    a, b = worlds
    text = page(alice.get(f"/stations/{a.own.pk}/"))
    assert a.own.name in text and a.enterprise.name in text
    assert "✓ Station head" in text
    assert "✓ At least one staff member" in text
    assert "✗ Service window" in text
    assert "✗ Duties posted" in text
    assert "甲工作人员" in text
    assert a.record.visitor_name in text
    assert f'href="/stations/funds/{a.account.pk}/"' in text
    assert "1,234.50" in text
    assert_none_of(b.names, text)

    host = page(alice.get(f"/stations/{a.host.pk}/"))
    assert "Attached stations" in host and a.attached.name in host
    attached = page(alice.get(f"/stations/{a.attached.pk}/"))
    assert f'href="/stations/{a.host.pk}/"' in attached


def test_station_list_and_unit_list_queries_do_not_grow_with_rows(worlds, tenant_a, persona, alice):
    from stations import services
    from stations.models import StationStaff

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(url).status_code == 200
        return len(queries)

    urls = ("/stations/", "/stations/units/", "/stations/reception/", "/stations/funds/")
    for url in urls:  # warm up: the first visit creates the station policy row
        alice.get(url)
    before = {url: count(url) for url in urls}
    admin = persona("alice")
    with schema_context(tenant_a.schema_name):
        for n in range(4):
            unit = services.save_unit(
                admin,
                tenant_a,
                {"kind": "enterprise", "name": f"加企{n}", "employee_count": 300, "has_union": True},
            )
            station = services.save_station(
                admin, tenant_a, {"unit": unit, "kind": "own", "established_on": timezone.localdate()}
            )
            StationStaff.objects.create(station=station, name=f"员工{n}")
            services.register_visit(
                admin, tenant_a, station=station, visitor_name=f"访客{n}", category="other", request="x"
            )
            services.open_account(admin, tenant_a, name=f"资金{n}", station=station)
    after = {url: count(url) for url in before}
    assert after == before


def test_new_station_proposes_the_standard_name(worlds, alice, bob, tenant_a, tenant_b):
    a, _b = worlds
    from stations.models import Station

    with schema_context(tenant_a.schema_name):
        unit = Unit.objects.create(kind="enterprise", name="甲新公司", employee_count=250, has_union=True)
    form_page = page(alice.get("/stations/new/", {"unit": unit.pk}))
    assert f'<option value="{unit.pk}" selected>' in form_page
    # host choices: own stations of zone/township/community units only
    assert f'<option value="{a.host.pk}">' in form_page and f'<option value="{a.own.pk}">' not in form_page

    response = alice.post(
        "/stations/new/", {"unit": unit.pk, "kind": "own", "name": "", "established_on": "2024-03-01"}
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        station = Station.objects.get(unit=unit)
    assert station.name == "甲新公司工会帮扶服务站"
    assert response["Location"] == f"/stations/{station.pk}/"
    # Tenant B has no such station, and its host does not know the id (B's ids start at B_IDS_FROM).
    assert_absent_from(tenant_b, Station, name=station.name)
    assert_absent_from(tenant_b, Unit, name="甲新公司")
    assert_not_found(bob, f"/stations/{station.pk}/", f"/stations/units/{unit.pk}/edit/")


def test_station_form_errors_render_400_in_the_page(worlds, alice, bob, tenant_a, tenant_b):
    a, _b = worlds
    response = alice.post("/stations/new/", {"unit": a.small.pk, "kind": "attached", "established_on": "2024-03-01"})
    assert response.status_code == 400
    assert "An attached station names the station it relies on." in page(response)

    response = alice.post(
        "/stations/new/",
        {"unit": a.small.pk, "kind": "attached", "host_station": a.attached.pk, "established_on": "2024-03-01"},
    )
    assert response.status_code == 400  # not an own station of an area: not even offered

    response = alice.post(
        f"/stations/{a.own.pk}/edit/", {"unit": a.enterprise.pk, "kind": "virtual", "established_on": "2024-03-01"}
    )
    assert response.status_code == 400
    assert "A virtual station needs the hotline, a website or a mailbox." in page(response)
    # A's station ids are unknown on B's host, for the form as for the page; B's stations were left alone.
    assert_not_found(bob, f"/stations/{a.own.pk}/edit/", f"/stations/{a.attached.pk}/")
    with schema_context(tenant_b.schema_name):
        assert {s.kind for s in Station.objects.all()} == {"own", "attached"}


def test_station_edit_saves_through_the_service(worlds, alice, bob, tenant_a, tenant_b):
    a, b = worlds
    from stations.models import Station

    form_page = page(alice.get(f"/stations/{a.own.pk}/edit/"))
    assert f'value="{a.own.name}"' in form_page
    response = alice.post(
        f"/stations/{a.own.pk}/edit/",
        {"unit": a.enterprise.pk, "kind": "own", "name": a.own.name, "established_on": "2020-01-01", "has_sign": "on"},
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert Station.objects.get(pk=a.own.pk).has_sign
    with schema_context(tenant_b.schema_name):  # B's station of the same kind is untouched
        assert not Station.objects.get(pk=b.own.pk).has_sign
    assert_not_found(bob, f"/stations/{a.own.pk}/edit/")
    assert bob.post(f"/stations/{a.own.pk}/edit/", {"unit": a.enterprise.pk, "kind": "own"}).status_code == 404


def test_scoped_staff_only_sees_their_units_stations(worlds, tenant_a, tenant_b, client_for, persona):
    a, b = worlds
    scope_amy(tenant_a, a.enterprise)
    amy = guard(client_for(tenant_a, persona("amy"), **EN), b.names)
    text = page(amy.get("/stations/"))
    assert a.own.name in text
    assert a.host.name not in text and a.attached.name not in text
    assert_none_of(b.names, text)
    assert amy.get(f"/stations/{a.host.pk}/").status_code == 404
    assert amy.get(f"/stations/{a.own.pk}/").status_code == 200

    units = page(amy.get("/stations/units/"))
    assert a.enterprise.name in units and a.lacking.name not in units and a.township.name not in units

    reception = page(amy.get("/stations/reception/"))
    assert a.record.visitor_name in reception
    new = page(amy.get("/stations/reception/new/"))
    assert f'<option value="{a.own.pk}">' in new and f'<option value="{a.host.pk}">' not in new
    response = amy.post(
        "/stations/reception/new/",
        {
            "station": a.host.pk,
            "visitor_name": "越权",
            "category": "other",
            "request": "x",
            "visited_at": "2024-03-01T09:00",
        },
    )
    assert response.status_code == 400
    assert_absent_from(tenant_a, ReceptionRecord, visitor_name="越权")
    assert_absent_from(tenant_b, ReceptionRecord, visitor_name="越权")


# ---------------------------------------------------------------------------------------------------- units
def test_unit_list_is_a_tree_with_compliance(worlds, alice):
    a, b = worlds
    text = page(alice.get("/stations/units/"))
    assert_none_of(b.names, text)
    # The township comes before its enterprises, which are indented below it.
    assert text.index(a.township.name) < text.index(a.enterprise.name)
    assert re.search(r'padding-left: calc\(\.6rem \+ 1\.5em\)">' + a.enterprise.name, text)
    assert re.search(r'padding-left: calc\(\.6rem \+ 0\.0em\)">' + a.lacking.name, text)
    row = re.search(r"<tr>((?:(?!</tr>).)*" + a.lacking.name + r".*?)</tr>", text, re.S).group(1)
    assert "Own station required" in row and "✗" in row
    row = re.search(r"<tr>((?:(?!</tr>).)*" + a.small.name + r".*?)</tr>", text, re.S).group(1)
    assert "Attached or virtual station" in row and "✓" in row

    failing = page(alice.get("/stations/units/", {"failing": "1"}))
    assert a.lacking.name in failing and a.small.name not in failing


def test_unit_form_error_and_save(worlds, alice, bob, tenant_a, tenant_b):
    a, _b = worlds

    response = alice.post("/stations/units/new/", {"kind": "enterprise", "name": "甲缺人数公司"})
    assert response.status_code == 400
    assert "Give the number of employees of an enterprise." in page(response)

    response = alice.post(
        f"/stations/units/{a.township.pk}/edit/", {"kind": "township", "name": a.township.name, "parent": a.small.pk}
    )
    assert response.status_code == 400
    assert "A unit cannot be placed below itself." in page(response)

    response = alice.post(
        "/stations/units/new/",
        {"kind": "enterprise", "name": "甲新厂", "employee_count": "12", "parent": a.township.pk},
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        made = Unit.objects.get(name="甲新厂")
        assert made.parent_id == a.township.pk
    assert_absent_from(tenant_b, Unit, name="甲新厂")
    assert_not_found(bob, f"/stations/units/{made.pk}/edit/", f"/stations/units/{a.township.pk}/edit/")


# ------------------------------------------------------------------------------------------------- coverage
def test_coverage_against_target_and_lacking_enterprises(worlds, alice, tenant_a):
    a, b = worlds
    year = timezone.localdate().year
    text = page(alice.get("/stations/coverage/"))
    assert a.lacking.name in text
    assert a.enterprise.name not in text  # it has a station
    assert_none_of(b.names, text)
    assert "50.00 %" in text  # 1 of 2 above-size enterprises with a union
    assert "no target set" in text

    response = alice.post("/stations/coverage/", {"action": "target", "target-year": year, "target-share": "150"})
    assert response.status_code == 400
    response = alice.post("/stations/coverage/", {"action": "target", "target-year": year, "target-share": "80"})
    assert response.status_code == 302
    text = page(alice.get("/stations/coverage/", {"year": year}))
    assert "80.00 %" in text and "below target" in text

    response = alice.post("/stations/coverage/", {"action": "defaults", "defaults-start_year": year + 1})
    assert response.status_code == 302
    text = page(alice.get("/stations/coverage/", {"year": year + 3}))
    assert f'<option value="{year + 3}" selected>' in text
    assert "100.00 %" in text


def test_staff_cannot_set_targets(worlds, tenant_a, tenant_b, client_for, persona):
    from stations.models import CoverageTarget

    amy = guard(client_for(tenant_a, persona("amy"), **EN), worlds[1].names)
    assert amy.get("/stations/coverage/").status_code == 200
    response = amy.post("/stations/coverage/", {"action": "target", "target-year": 2030, "target-share": "80"})
    assert response.status_code == 404
    assert_absent_from(tenant_a, CoverageTarget, year=2030)
    assert_absent_from(tenant_b, CoverageTarget, year=2030)


# ------------------------------------------------------------------------------------------------ reception
def test_reception_list_filters_and_highlights_overdue(worlds, alice, tenant_a, persona):
    a, b = worlds
    from stations import services

    with schema_context(tenant_a.schema_name):
        fresh = services.register_visit(
            persona("alice"), tenant_a, station=a.host, visitor_name="甲新访客", category="medical", request="y"
        )
    text = page(alice.get("/stations/reception/"))
    assert a.record.visitor_name in text and fresh.visitor_name in text
    assert_none_of(b.names, text)
    overdue_rows = re.findall(r'<tr class="error overdue">(.*?)</tr>', text, re.S)
    assert len(overdue_rows) == 1 and a.record.visitor_name in overdue_rows[0]

    overdue = page(alice.get("/stations/reception/", {"overdue": "1"}))
    assert a.record.visitor_name in overdue and fresh.visitor_name not in overdue
    by_station = page(alice.get("/stations/reception/", {"station": a.host.pk}))
    assert fresh.visitor_name in by_station and a.record.visitor_name not in by_station
    by_stage = page(alice.get("/stations/reception/", {"stage": "closed"}))
    assert fresh.visitor_name not in by_stage and a.record.visitor_name not in by_stage


def test_register_a_visit(worlds, alice, bob, tenant_a, tenant_b):
    a, _b = worlds
    from stations.models import ReceptionRecord

    response = alice.post("/stations/reception/new/", {"station": a.own.pk, "category": "living", "request": "x"})
    assert response.status_code == 400
    assert "This field is required." in page(response)

    response = alice.post(
        "/stations/reception/new/",
        {
            "station": a.own.pk,
            "visitor_name": "甲张三",
            "visitor_phone": "13800000000",
            "employer": a.enterprise.pk,
            "visited_at": "2025-05-06T10:30",
            "category": "medical",
            "request": "住院费用",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        record = ReceptionRecord.objects.get(visitor_name="甲张三")
    assert response["Location"] == f"/stations/reception/{record.pk}/"
    assert record.employer_id == a.enterprise.pk and record.stage == "registered"
    assert_absent_from(tenant_b, ReceptionRecord, visitor_name="甲张三")
    assert_not_found(bob, f"/stations/reception/{record.pk}/")
    assert "甲张三" not in page(bob.get("/stations/reception/"))
    # B's host refuses a visit to A's station (not one of B's).
    refused = bob.post("/stations/reception/new/", {"station": a.own.pk, "visitor_name": "乙越界", "category": "living",
                                                    "request": "x", "visited_at": "2025-05-06T10:30"})  # fmt: skip
    assert refused.status_code == 400
    assert_absent_from(tenant_a, ReceptionRecord, visitor_name="乙越界")
    assert_absent_from(tenant_b, ReceptionRecord, visitor_name="乙越界")


def stage_form_fields(text: str) -> set[str]:
    form = re.search(r'<form method="post" id="stage-form">(.*?)</form>', text, re.S)
    return set(re.findall(r'name="(\w+)"', form.group(1))) - {"csrfmiddlewaretoken"} if form else set()


def test_reception_detail_offers_only_the_next_stage(worlds, alice, tenant_a):
    a, b = worlds
    url = f"/stations/reception/{a.record.pk}/"
    text = page(alice.get(url))
    assert a.record.visitor_name in text
    assert_none_of(b.names, text)
    assert stage_form_fields(text) == {"action", "archive_ref"}
    assert 'value="archive"' in text

    # Skipping a stage: the service refuses, the page says why (400) and still offers the archive form.
    response = alice.post(url, {"action": "close", "completion_report": "done"})
    assert response.status_code == 400
    text = page(response)
    assert "it must be “Handled / delivered” first" in text
    assert stage_form_fields(text) == {"action", "archive_ref"}

    # An empty required field of the next stage: the error is in the form.
    response = alice.post(url, {"action": "archive", "archive_ref": ""})
    assert response.status_code == 400
    assert "This field is required." in page(response)

    assert alice.post(url, {"action": "archive", "archive_ref": "甲-2025-001"}).status_code == 302
    text = page(alice.get(url))
    assert stage_form_fields(text) == {"action", "action_taken", "handler_name", "referred_to"}
    assert "甲-2025-001" in text and "Alice" in text

    assert alice.post(url, {"action": "handle", "action_taken": "发放慰问金"}).status_code == 302
    assert stage_form_fields(page(alice.get(url))) == {"action", "completion_report"}
    assert alice.post(url, {"action": "close", "completion_report": "已办结"}).status_code == 302
    text = page(alice.get(url))
    assert stage_form_fields(text) == set()
    assert "已办结" in text

    response = alice.post(url, {"action": "archive", "archive_ref": "again"})
    assert response.status_code == 400


# ---------------------------------------------------------------------------------------------------- funds
def test_fund_list_shows_balances_of_own_accounts(worlds, alice, tenant_b, client_for, persona):
    a, b = worlds
    text = page(alice.get("/stations/funds/"))
    assert a.account.name in text and "1,234.50" in text
    assert_none_of(b.names, text)
    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/stations/funds/"))
    assert b.account.name in text_b
    assert_none_of(a.names, text_b)


def test_fund_detail_books_and_reverses(worlds, alice, tenant_a):
    a, b = worlds
    from stations.models import FundAccount, FundEntry

    url = f"/stations/funds/{a.account.pk}/"
    text = page(alice.get(url))
    assert "¥1,234.50" in text
    assert_none_of(b.names, text)

    response = alice.post(
        url, {"action": "income", "income-amount": "10,000.25", "income-source": "upper_union", "income-donor": ""}
    )
    assert response.status_code == 302
    response = alice.post(
        url,
        {
            "action": "expenditure",
            "expenditure-amount": "99999",
            "expenditure-purpose": "慰问",
            "expenditure-approver": "甲",
        },
    )
    assert response.status_code == 400
    assert "Not enough money in the account" in page(response)
    response = alice.post(
        url,
        {
            "action": "expenditure",
            "expenditure-amount": "0.001",
            "expenditure-purpose": "x",
            "expenditure-approver": "y",
        },
    )
    assert response.status_code == 400
    assert "At most two decimal places" in page(response)

    response = alice.post(
        url,
        {
            "action": "expenditure",
            "expenditure-amount": "234.50",
            "expenditure-purpose": "慰问",
            "expenditure-approver": "甲主席",
        },
    )
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        spent = FundEntry.objects.get(account=a.account, kind="expenditure")
    text = page(alice.get(url))
    assert "¥11,000.25" in text
    assert "-234.50" in text and "慰问 · 甲主席" in text

    response = alice.post(url, {"action": "reverse", "reverse-entry": spent.pk, "reverse-note": ""})
    assert response.status_code == 400
    response = alice.post(url, {"action": "reverse", "reverse-entry": spent.pk, "reverse-note": "记错"})
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert FundAccount.objects.get(pk=a.account.pk).balance == Decimal("11234.75")
        reversal = FundEntry.objects.get(reverses=spent)
    text = page(alice.get(url))
    assert f"reversed by #{reversal.pk}" in text and f"of #{spent.pk}" in text
    # A reversed entry is no longer offered for reversal.
    assert f'<option value="{spent.pk}">' not in text


def test_fund_booking_needs_the_permission(worlds, tenant_a, tenant_b, client_for, persona):
    a, b = worlds
    from tenants.models import Membership

    Membership.objects.filter(user__username="amy", tenant=tenant_a).update(role="reviewer")
    reviewer = guard(client_for(tenant_a, persona("amy"), **EN), b.names)
    url = f"/stations/funds/{a.account.pk}/"
    text = page(reviewer.get(url))
    assert "1,234.50" in text and "Book income" not in text
    response = reviewer.post(url, {"action": "income", "income-amount": "1", "income-source": "enterprise"})
    assert response.status_code == 404
    assert_not_found(reviewer, f"/stations/funds/{b.account.pk}/")
    with schema_context(tenant_b.schema_name):
        assert FundAccount.objects.get(pk=b.account.pk).balance == Decimal("1234.50")  # B's ledger untouched


def test_staff_and_service_points_are_managed_on_the_station_page(tenant_a, tenant_b, persona, client_for):
    from core.people.models import Unit as UnitModel
    from stations.models import ServicePoint, Station, StationStaff
    from tests.factories import make_ids_foreign

    make_ids_foreign(tenant_a, tenant_b, UnitModel, Station, StationStaff, ServicePoint)  # A's ids: none of B's
    with schema_context(tenant_a.schema_name):
        unit = services.save_unit(persona("alice"), tenant_a, {"kind": "township", "name": "苏稽镇"})
        station = services.save_station(
            persona("alice"), tenant_a, {"unit": unit, "kind": "own", "established_on": date(2020, 1, 1)}
        )
    page = client_for(tenant_a, persona("alice"))
    assert (
        page.post(f"/stations/{station.pk}/staff/", {"name": "刘站长", "duty": "站长", "full_time": "on"}).status_code
        == 302
    )
    assert page.post(f"/stations/{station.pk}/service-points/", {"name": "苏稽服务点"}).status_code == 302
    with schema_context(tenant_a.schema_name):
        member = StationStaff.objects.get(station=station)
        point = ServicePoint.objects.get(station=station)
        assert member.full_time and point.name == "苏稽服务点"
    detail = page.get(f"/stations/{station.pk}/").content.decode()
    assert "刘站长" in detail and "苏稽服务点" in detail
    bob = client_for(tenant_b, persona("bob"))
    assert bob.post(f"/stations/staff/{member.pk}/remove/").status_code == 404
    assert bob.post(f"/stations/{station.pk}/staff/", {"name": "入侵者"}).status_code == 404
    assert bob.get(f"/stations/{station.pk}/").status_code == 404
    for tenant in (tenant_a, tenant_b):
        assert_absent_from(tenant, StationStaff, name="入侵者")
    assert_only_in(tenant_a, tenant_b, StationStaff, name="刘站长")
    assert_only_in(tenant_a, tenant_b, ServicePoint, name="苏稽服务点")
    with schema_context(tenant_a.schema_name):
        assert list(StationStaff.objects.values_list("name", flat=True)) == ["刘站长"]
    assert page.post(f"/stations/service-points/{point.pk}/remove/").status_code == 302
    staff = client_for(tenant_a, persona("amy"))
    assert staff.post(f"/stations/{station.pk}/staff/", {"name": "x"}).status_code == 404  # not a manager


def test_the_guard_fails_when_a_page_shows_the_names_it_guards(worlds, tenant_b, client_for, persona):
    """The guard on `alice` and `bob` is not vacuous: a page showing a guarded name fails the test."""
    _a, b = worlds
    own = guard(client_for(tenant_b, persona("bob"), **EN), b.names)  # B's own names, on B's host
    with pytest.raises(AssertionError, match="shows the other tenant's"):
        own.get("/stations/")
