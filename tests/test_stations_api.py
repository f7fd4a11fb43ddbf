"""The station API (/api/units/, /api/stations/, /api/reception-records/, /api/fund-accounts/,
/api/fund-entries/, /api/coverage/): every test with data has two tenants, and tenant B's rows never show on A."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from core.people.models import Unit
from stations import services
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station, StationPolicy
from tenants.models import Membership
from tests.checkdigits import credit_code_check
from tests.factories import make_ids_foreign
from tests.isolation import assert_absent_from

THIS_YEAR = date.today().year


def uscc(seed: int) -> str:
    body = f"91510100MA{seed:07d}"
    return body + credit_code_check(body)


def unit(actor, tenant, **data):
    return services.save_unit(actor, tenant, data)


def station(actor, tenant, unit_, kind="own", **data):
    return services.save_station(
        actor, tenant, {"unit": unit_, "kind": kind, "established_on": date(THIS_YEAR - 1, 1, 1), **data}
    )


@pytest.fixture
def world(tenant_a, tenant_b, persona):
    """Tenant A: union ─┬─ township 苏稽镇 ─┬─ community 新桥村 (own station)
                        │                  └─ enterprise 大企业 (300 staff, own station)
                        ├─ enterprise 小企业 (50 staff, no station)
                        └─ the union's own station.
    Tenant B: its union, an enterprise and a station, all with ids unknown on A."""
    alice, bob = persona("alice"), persona("bob")
    make_ids_foreign(tenant_b, tenant_a, Unit, Station, ReceptionRecord, FundAccount, FundEntry)
    w = {}
    with schema_context(tenant_a.schema_name):
        union = unit(alice, tenant_a, kind="union", name="甲县总工会")
        township = unit(alice, tenant_a, kind="township", name="苏稽镇", parent=union)
        community = unit(alice, tenant_a, kind="community", name="新桥村", parent=township)
        big = unit(
            alice, tenant_a, kind="enterprise", name="大企业", parent=township, employee_count=300,
            has_union=True, union_is_sound=True, above_designated_size=True, credit_code=uscc(1),
        )  # fmt: skip
        small = unit(
            alice, tenant_a, kind="enterprise", name="小企业", parent=union, employee_count=50,
            has_union=True, above_designated_size=True, credit_code=uscc(2),
        )  # fmt: skip
        w.update(union=union, township=township, community=community, big=big, small=small)
        w["s_community"] = station(alice, tenant_a, community)
        w["s_big"] = station(alice, tenant_a, big, is_pilot=True)
        w["s_union"] = station(alice, tenant_a, union)
    with schema_context(tenant_b.schema_name):
        b_union = unit(bob, tenant_b, kind="union", name="乙县总工会")
        w["b_enterprise"] = unit(
            bob, tenant_b, kind="enterprise", name="乙县企业", parent=b_union, employee_count=500,
            has_union=True, union_is_sound=True, above_designated_size=True, credit_code=uscc(3),
        )  # fmt: skip
        w["b_station"] = station(bob, tenant_b, w["b_enterprise"])
        w["b_record"] = services.register_visit(
            bob, tenant_b, station=w["b_station"], visitor_name="乙访客", category="living", request="求助",
            visited_at=timezone.now() - timedelta(days=60),
        )  # fmt: skip
    return w


def errors_of(response) -> set:
    assert response.status_code == 400, response.json()
    return {error["field"] for error in response.json()["errors"]}


# ---------------------------------------------------------------------------------------------------- units
def test_units_with_coverage_and_isolation(world, tenant_a, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    rows = {row["name"]: row for row in api.get("/api/units/").json()["results"]}
    assert set(rows) == {"甲县总工会", "苏稽镇", "新桥村", "大企业", "小企业"}  # nothing of tenant B
    assert (rows["大企业"]["requirement"], rows["大企业"]["complies"]) == ("own", True)
    assert rows["大企业"]["station_kinds"] == ["own"]
    assert (rows["小企业"]["requirement"], rows["小企业"]["complies"]) == ("attached_or_virtual", False)
    assert (rows["新桥村"]["requirement"], rows["新桥村"]["complies"]) == ("none", True)
    enterprises = api.get("/api/units/?kind=enterprise").json()["results"]
    assert {row["name"] for row in enterprises} == {"大企业", "小企业"}
    below = api.get(f"/api/units/?parent={world['township'].pk}").json()["results"]
    assert {row["name"] for row in below} == {"新桥村", "大企业"}
    assert [row["name"] for row in api.get("/api/units/?search=企业").json()["results"]] == ["大企业", "小企业"]
    assert api.get(f"/api/units/{world['big'].pk}/").json()["complies"] is True
    assert api.get(f"/api/units/{world['b_enterprise'].pk}/").status_code == 404
    assert api_for(tenant_a, persona("amy")).get("/api/units/").status_code == 200  # station staff may read


def test_unit_list_costs_the_same_queries_for_more_rows(world, tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/units/").status_code == 200
    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        for seed in range(6):
            company = unit(
                alice, tenant_a, kind="enterprise", name=f"企业{seed}", employee_count=10, has_union=True,
                credit_code=uscc(100 + seed),
            )  # fmt: skip
            station(alice, tenant_a, company, kind="virtual", hotline="12351")
    with CaptureQueriesContext(connection) as many:
        names = {row["name"] for row in api.get("/api/units/").json()["results"]}
    assert len(names) == 11 and "乙县企业" not in names and "乙县总工会" not in names  # none of tenant B's
    assert len(many) == len(few)
    bob_sees = {row["name"] for row in api_for(tenant_b, persona("bob")).get("/api/units/").json()["results"]}
    assert bob_sees == {"乙县总工会", "乙县企业"}  # and B's list holds none of A's new units


def test_unit_create_update_and_field_errors(world, tenant_a, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    bad_code = uscc(7)[:17] + ("0" if uscc(7)[17] != "0" else "1")
    assert errors_of(
        api.post(
            "/api/units/", {"kind": "enterprise", "name": "错码公司", "employee_count": 10, "credit_code": bad_code}
        )
    ) == {"credit_code"}
    assert errors_of(api.post("/api/units/", {"kind": "enterprise", "name": "无人数公司"})) == {"employee_count"}
    for code in (uscc(1), f" {uscc(1).lower()} "):  # already used by 大企业, however it is typed
        duplicate = {"kind": "enterprise", "name": "重复", "employee_count": 5, "credit_code": code}
        assert errors_of(api.post("/api/units/", duplicate)) == {"credit_code"}
    assert errors_of(api.post("/api/units/", {"kind": "union", "name": "第二个工会"})) == {"kind"}  # one own union
    assert errors_of(api.post("/api/units/", {"kind": "zone", "name": "园区", "credit_code": uscc(9)})) == {"kind"}
    created = api.post(
        "/api/units/",
        {"kind": "enterprise", "name": " 新公司 ", "employee_count": 250, "has_union": True,
         "credit_code": uscc(8).lower(), "parent": world["union"].pk},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["credit_code"], body["requirement"]) == ("新公司", uscc(8), "attached_or_virtual")
    changed = api.patch(f"/api/units/{body['id']}/", {"union_is_sound": True}, format="json")
    assert (changed.json()["requirement"], changed.json()["complies"]) == ("own", False)
    assert errors_of(api.patch(f"/api/units/{world['union'].pk}/", {"parent": world["community"].pk})) == {"parent"}
    assert api.patch(f"/api/units/{world['b_enterprise'].pk}/", {"name": "x"}).status_code == 404
    # Station staff read units but do not manage them.
    assert api_for(tenant_a, persona("amy")).post("/api/units/", {"kind": "zone", "name": "园区"}).status_code == 403


# ------------------------------------------------------------------------------------------------- stations
def test_stations_list_detail_and_isolation(world, tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    names = {row["name"] for row in api.get("/api/stations/").json()["results"]}
    assert names == {"新桥村帮扶服务站", "大企业工会帮扶服务站", "甲县总工会帮扶服务站"}
    b_id = world["b_station"].pk
    with schema_context(tenant_a.schema_name):
        assert not Station.objects.filter(pk=b_id).exists()
    assert api.get(f"/api/stations/{b_id}/").status_code == 404  # tenant B's station, even by its id
    assert api.patch(f"/api/stations/{b_id}/", {"head_name": "x"}).status_code == 404
    assert api_for(tenant_b, persona("bob")).get(f"/api/stations/{b_id}/").status_code == 200
    assert [r["name"] for r in api.get("/api/stations/?is_pilot=true").json()["results"]] == ["大企业工会帮扶服务站"]
    by_unit = api.get(f"/api/stations/?unit={world['community'].pk}").json()["results"]
    assert [row["id"] for row in by_unit] == [world["s_community"].pk]
    assert api.get("/api/stations/?kind=virtual").json()["count"] == 0

    detail = api.get(f"/api/stations/{world['s_community'].pk}/").json()
    assert detail["unit_name"] == "新桥村" and detail["staff"] == [] and detail["service_points"] == []
    assert {row["group"] for row in detail["checklist"]} == {"hardware", "staff", "rules"}
    assert len(detail["missing"]) == sum(not row["ok"] for row in detail["checklist"]) > 0


def test_station_create_update_and_errors(world, tenant_a, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    made = api.post(
        "/api/stations/",
        {"unit": world["small"].pk, "kind": "attached", "host_station": world["s_community"].pk,
         "established_on": "2025-03-01"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json()["name"] == "小企业工会帮扶服务站"  # the standard name, proposed
    changed = api.patch(f"/api/stations/{made.json()['id']}/", {"head_name": "王站长", "office_area": "12.5"})
    assert changed.status_code == 200 and changed.json()["office_area"] == "12.5"
    assert len(changed.json()["missing"]) == len(made.json()["missing"]) - 1  # the head is no longer missing
    virtual = {"unit": world["small"].pk, "kind": "virtual", "established_on": "2025-03-01"}
    assert errors_of(api.post("/api/stations/", virtual)) == {"hotline"}
    host_is_enterprise = {**virtual, "kind": "attached", "host_station": world["s_big"].pk}
    assert errors_of(api.post("/api/stations/", host_is_enterprise)) == {"host_station"}
    assert errors_of(api.post("/api/stations/", {"kind": "own"})) == {"unit", "established_on"}
    assert "unit" in errors_of(api.post("/api/stations/", {**virtual, "unit": world["b_enterprise"].pk}))
    assert api_for(tenant_a, persona("amy")).post("/api/stations/", virtual).status_code == 403


def test_station_staff_with_a_unit_scope_sees_only_her_subtree(world, tenant_a, tenant_b, persona, api_for):
    Membership.objects.filter(user__username="amy", tenant=tenant_a).update(unit_id=world["township"].pk)
    amy = persona("amy")
    api = api_for(tenant_a, amy)
    listed = {row["id"] for row in api.get("/api/stations/").json()["results"]}
    assert listed == {world["s_community"].pk, world["s_big"].pk}
    assert api.get(f"/api/stations/{world['s_union'].pk}/").status_code == 404
    with schema_context(tenant_a.schema_name):
        alice = persona("alice")
        services.register_visit(
            alice, tenant_a, station=world["s_union"], visitor_name="外人", category="other", request="r"
        )
        mine = services.register_visit(
            alice, tenant_a, station=world["s_big"], visitor_name="职工", category="medical", request="r"
        )
    assert [row["id"] for row in api.get("/api/reception-records/").json()["results"]] == [mine.pk]
    visit = {"station": world["s_union"].pk, "visitor_name": "某", "category": "other", "request": "r"}
    assert errors_of(api.post("/api/reception-records/", visit)) == {"station"}  # as if it did not exist
    assert api.post("/api/reception-records/", {**visit, "station": world["s_big"].pk}).status_code == 201
    # Tenant B's station and record are beyond her scope as beyond her tenant; B's list has none of A's records.
    assert api.get(f"/api/stations/{world['b_station'].pk}/").status_code == 404
    assert api.get(f"/api/reception-records/{world['b_record'].pk}/").status_code == 404
    assert errors_of(api.post("/api/reception-records/", {**visit, "station": world["b_station"].pk})) == {"station"}
    bob = api_for(tenant_b, persona("bob"))
    assert {row["visitor_name"] for row in bob.get("/api/reception-records/").json()["results"]} == {"乙访客"}


# ------------------------------------------------------------------------------------------------ reception
def test_reception_lifecycle_through_the_api(world, tenant_a, persona, api_for):
    alice = persona("alice")
    api = api_for(tenant_a, alice)
    visit = {
        "station": world["s_community"].pk, "visitor_name": "张三", "category": "medical", "request": "住院费用困难",
        "employer": world["big"].pk,
    }  # fmt: skip
    created = api.post("/api/reception-records/", visit, format="json")
    assert created.status_code == 201, created.json()
    record = created.json()
    assert record["stage"] == "registered" and record["registered_by"] == alice.pk
    assert record["registered_by_username"] == "alice" and record["registered_at"]
    assert record["archived_by"] is None and record["archived_by_username"] is None
    assert record["is_overdue"] is False
    assert record["due_date"] == str(timezone.localdate() + timedelta(days=15))
    url = f"/api/reception-records/{record['id']}"

    skip = api.post(f"{url}/close/", {"completion_report": "done"})
    assert errors_of(skip) == {"stage"}  # the register cannot skip a stage
    assert errors_of(api.post(f"{url}/handle/", {"action_taken": "x"})) == {"stage"}
    assert errors_of(api.post(f"{url}/archive/", {"archive_ref": "  "})) == {"archive_ref"}
    archived = api.post(f"{url}/archive/", {"archive_ref": "BF-2025-001"}).json()
    assert (archived["stage"], archived["archived_by_username"]) == ("archived", "alice")
    assert archived["archived_at"]
    assert errors_of(api.post(f"{url}/archive/", {"archive_ref": "again"})) == {"stage"}
    handled = api.post(
        f"{url}/handle/", {"action_taken": "发放救助金", "handler_name": "李干事", "referred_to": "医保局"}
    ).json()
    assert (handled["stage"], handled["handler_name"], handled["handled_by"]) == ("handled", "李干事", alice.pk)
    assert handled["referred_to"] == "医保局" and handled["handled_by_username"] == "alice"
    assert errors_of(api.post(f"{url}/close/", {})) == {"completion_report"}
    closed = api.post(f"{url}/close/", {"completion_report": "已办结"}).json()
    assert (closed["stage"], closed["closed_by_username"], closed["is_overdue"]) == ("closed", "alice", False)
    assert api.get(f"{url}/").json()["completion_report"] == "已办结"

    assert errors_of(api.post("/api/reception-records/", {"station": world["s_community"].pk})) >= {
        "visitor_name", "category", "request",
    }  # fmt: skip
    # Tenant B's record: not listed, and not reachable by id for reading or acting.
    b_id = world["b_record"].pk
    assert b_id not in {row["id"] for row in api.get("/api/reception-records/").json()["results"]}
    assert api.get(f"/api/reception-records/{b_id}/").status_code == 404
    assert api.post(f"/api/reception-records/{b_id}/archive/", {"archive_ref": "x"}).status_code == 404


def test_overdue_filter_follows_the_policy_in_the_database(world, tenant_a, tenant_b, persona, api_for):
    alice = persona("alice")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=15), time.min), tz)
    with schema_context(tenant_a.schema_name):

        def visit(name, visited_at):
            return services.register_visit(
                alice, tenant_a, station=world["s_community"], visitor_name=name, category="other", request="r",
                visited_at=visited_at,
            )  # fmt: skip

        old = visit("old", timezone.now() - timedelta(days=20))
        just_late = visit("just_late", cutoff - timedelta(minutes=1))
        on_time = visit("on_time", cutoff)  # due today: not overdue yet
        recent = visit("recent", timezone.now() - timedelta(days=2))
        old_closed = visit("old_closed", timezone.now() - timedelta(days=40))
        services.archive_visit(alice, tenant_a, old_closed.pk, archive_ref="A1")
        services.handle_visit(alice, tenant_a, old_closed.pk, action_taken="done")
        services.close_visit(alice, tenant_a, old_closed.pk, completion_report="report")

    api = api_for(tenant_a, alice)

    def names(query):
        rows = api.get(f"/api/reception-records/?{query}").json()["results"]
        return {row["visitor_name"]: row["is_overdue"] for row in rows}

    assert names("overdue=true") == {"old": True, "just_late": True}  # tenant B's 60-day-old visit is not here
    assert names("overdue=false") == {"on_time": False, "recent": False, "old_closed": False}
    assert set(names("stage=closed")) == {"old_closed"}
    assert set(names("overdue=true&stage=registered")) == {"old", "just_late"}
    assert api.get(f"/api/reception-records/{just_late.pk}/").json()["due_date"] == str(today - timedelta(days=1))
    with schema_context(tenant_a.schema_name):
        StationPolicy.objects.update_or_create(pk=1, defaults={"reception_time_limit_days": 30})
    assert names("overdue=true") == {}
    assert set(names("overdue=false")) == {"old", "just_late", "on_time", "recent", "old_closed"}
    # All five are tenant A's own: tenant B's host lists none of them, whatever the filter.
    bob = api_for(tenant_b, persona("bob"))
    for query in ("overdue=true", "overdue=false", "stage=closed"):
        seen_on_b = {row["visitor_name"] for row in bob.get(f"/api/reception-records/?{query}").json()["results"]}
        assert not seen_on_b & {"old", "just_late", "on_time", "recent", "old_closed"}, query
    for record in (old, just_late, on_time, recent, old_closed):  # B's ids were moved past A's (world)
        assert bob.get(f"/api/reception-records/{record.pk}/").status_code == 404


# ---------------------------------------------------------------------------------------------------- funds
def test_fund_ledger_through_the_api(world, tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    opened = api.post("/api/fund-accounts/", {"name": "新桥村帮扶资金", "station": world["s_community"].pk})
    assert opened.status_code == 201, opened.json()
    account = opened.json()
    assert account["balance"] == "0.00" and account["station_name"] == "新桥村帮扶服务站"
    url = f"/api/fund-accounts/{account['id']}"
    assert errors_of(api.post("/api/fund-accounts/", {"name": "又一个", "station": world["s_community"].pk})) == {
        "station"
    }

    income = api.post(f"{url}/income/", {"amount": "1200.50", "source": "upper_union", "note": "拨款"}, format="json")
    assert income.status_code == 201, income.json()
    assert (income.json()["amount"], income.json()["balance_after"], income.json()["kind"]) == (
        "1200.50", "1200.50", "income",
    )  # fmt: skip
    assert errors_of(api.post(f"{url}/income/", {"amount": "10.005", "source": "donation"})) == {"amount"}
    assert errors_of(api.post(f"{url}/income/", {"amount": "-3", "source": "donation"})) == {"amount"}
    assert errors_of(api.post(f"{url}/income/", {"amount": "5", "source": "named_donation"})) == {"donor"}

    too_much = api.post(f"{url}/expenditure/", {"amount": "2000.00", "purpose": "救助", "approver": "主席"})
    assert errors_of(too_much) == {"amount"}
    assert api.get(f"{url}/").json()["balance"] == "1200.50"  # unchanged
    assert errors_of(api.post(f"{url}/expenditure/", {"amount": "1"})) == {"purpose", "approver"}
    spent = api.post(f"{url}/expenditure/", {"amount": "200.25", "purpose": "救助", "approver": "主席"}).json()
    assert (spent["amount"], spent["balance_after"]) == ("-200.25", "1000.25")
    assert api.get(f"{url}/").json()["balance"] == "1000.25"

    reversed_ = api.post(f"/api/fund-entries/{spent['id']}/reverse/", {"note": "录错"})
    assert reversed_.status_code == 201, reversed_.json()
    assert (reversed_.json()["kind"], reversed_.json()["amount"], reversed_.json()["reverses"]) == (
        "reversal", "200.25", spent["id"],
    )  # fmt: skip
    assert errors_of(api.post(f"/api/fund-entries/{spent['id']}/reverse/", {"note": "again"})) == {"entry"}
    assert errors_of(api.post(f"/api/fund-entries/{income.json()['id']}/reverse/", {})) == {"note"}
    assert api.get(f"{url}/").json()["balance"] == "1200.50"

    entries = api.get(f"{url}/entries/?page_size=2").json()
    assert entries["count"] == 3 and entries["next"]
    assert [e["kind"] for e in entries["results"]] == ["income", "expenditure"]  # oldest first
    assert entries["results"][1]["reversed_by"] == reversed_.json()["id"]
    assert all(isinstance(e["amount"], str) for e in entries["results"])

    # Tenant B's ledger is another world.
    bob = persona("bob")
    with schema_context(tenant_b.schema_name):
        b_account = services.open_account(bob, tenant_b, name="乙县帮扶资金", station=world["b_station"])
        b_entry = services.book_income(bob, tenant_b, b_account.pk, amount="99.00", source="donation")
    assert [row["id"] for row in api.get("/api/fund-accounts/").json()["results"]] == [account["id"]]
    assert api.get(f"/api/fund-accounts/{b_account.pk}/").status_code == 404
    assert api.get(f"/api/fund-accounts/{b_account.pk}/entries/").status_code == 404
    b_income = {"amount": "1", "source": "donation"}
    assert api.post(f"/api/fund-accounts/{b_account.pk}/income/", b_income).status_code == 404
    assert api.post(f"/api/fund-entries/{b_entry.pk}/reverse/", {"note": "x"}).status_code == 404
    with schema_context(tenant_b.schema_name):
        b_account.refresh_from_db()
        assert b_account.balance == 99 and FundEntry.objects.filter(account=b_account).count() == 1


def test_viewer_cannot_book(world, tenant_a, tenant_b, persona, api_for):
    from tenants.services import add_member

    viewer = add_member(persona("alice"), tenant_a, username="vera", role="viewer", password="Vera-pass-2026!").user
    with schema_context(tenant_a.schema_name):
        account = services.open_account(persona("alice"), tenant_a, name="总账")
    api = api_for(tenant_a, viewer)
    assert api.get("/api/stations/").status_code == 200
    assert (
        api.post(f"/api/fund-accounts/{account.pk}/income/", {"amount": "5", "source": "donation"}).status_code == 403
    )
    assert api.post("/api/fund-accounts/", {"name": "私账"}).status_code == 403
    assert api.get("/api/fund-accounts/").status_code == 403  # no fund permission at all
    assert api.post("/api/reception-records/", {}).status_code == 403
    with schema_context(tenant_a.schema_name):
        account.refresh_from_db()
        assert account.balance == 0 and not FundEntry.objects.exists()
    assert_absent_from(tenant_b, FundAccount, name="总账")
    bob = api_for(tenant_b, persona("bob"))
    assert bob.get(f"/api/fund-accounts/{account.pk}/").status_code == 404  # B's ids were moved past A's (world)
    assert (
        bob.post(f"/api/fund-accounts/{account.pk}/income/", {"amount": "5", "source": "donation"}).status_code == 404
    )
    assert api_for(tenant_b, viewer).get("/api/stations/").status_code == 401  # her token is no good on B


# ------------------------------------------------------------------------------------------------- coverage
def test_coverage_endpoint(world, tenant_a, tenant_b, persona, api_for):
    with schema_context(tenant_a.schema_name):
        services.set_default_targets(persona("alice"), tenant_a, THIS_YEAR)
    api = api_for(tenant_a, persona("alice"))
    body = api.get(f"/api/coverage/?year={THIS_YEAR}").json()
    # 大企业 (own station) and 小企业 (none) count; tenant B's enterprise does not.
    assert (body["year"], body["required"], body["covered"]) == (THIS_YEAR, 2, 1)
    assert (body["share"], body["target"], body["meets_target"]) == ("50.00", "50.00", True)
    assert body["on_day"] == str(timezone.localdate())
    assert api.get("/api/coverage/").json() == body  # the current year by default
    past = api.get(f"/api/coverage/?year={THIS_YEAR - 5}").json()
    assert (past["required"], past["target"], past["meets_target"]) == (2, None, None)
    assert past["on_day"] == f"{THIS_YEAR - 5}-12-31"
    b_body = api_for(tenant_b, persona("bob")).get(f"/api/coverage/?year={THIS_YEAR}").json()
    assert (b_body["required"], b_body["covered"], b_body["share"], b_body["target"]) == (1, 1, "100.00", None)
    assert errors_of(api.get("/api/coverage/?year=abc")) == {"year"}
    assert errors_of(api.get("/api/coverage/?year=12")) == {"year"}


def test_station_api_needs_a_member(world, tenant_a, api_for):
    anonymous = api_for(tenant_a)
    for url in ("/api/units/", "/api/stations/", "/api/reception-records/", "/api/fund-accounts/", "/api/coverage/"):
        assert anonymous.get(url).status_code == 401, url


def test_schema_lists_the_station_api(tenant_a, persona, api_for):
    paths = api_for(tenant_a, persona("alice")).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/units/", "/api/stations/{id}/", "/api/reception-records/{id}/close/",
        "/api/fund-accounts/{id}/entries/", "/api/fund-entries/{id}/reverse/", "/api/coverage/",
    ):  # fmt: skip
        assert path in paths, path
