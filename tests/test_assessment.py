"""Assessment (考核, D-MU2) with two county unions: scores from the yearly rollup facts, item-by-item station
inspections, and municipal demonstration stations nominated by a county and designated by the municipal union."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import schema_context

from assessment import services
from assessment.models import DemonstrationNomination
from rollups.models import RollupFact

YEAR = 2019  # a year no other test computes facts for


def fact(tenant, metric, value, dims=None, kind="year", start=date(YEAR, 1, 1)):
    from rollups.services import dims_key

    dims = dims or {}
    return RollupFact.objects.create(
        tenant=tenant,
        period_kind=kind,
        period_start=start,
        metric=metric,
        dims_key=dims_key(dims),
        value=Decimal(value),
        computed_at=timezone.now(),
    )


def make_station(tenant, name="乐山示例有限公司", seed=1, **extra):
    from core.people.models import Unit
    from stations.models import Station
    from tests.checkdigits import credit_code_check

    body = f"91510100MA{seed:07d}"
    with schema_context(tenant.schema_name):
        unit = Unit.objects.create(
            kind=Unit.Kind.ENTERPRISE,
            name=name,
            credit_code=body + credit_code_check(body),
            employee_count=200,
            has_union=True,
            union_is_sound=True,
        )
        return Station.objects.create(
            unit=unit,
            kind=Station.Kind.OWN,
            name=unit.proposed_station_name(),
            established_on=date(2020, 1, 1),
            **extra,
        )


def exemplary(tenant, station_id):
    from stations.models import Station

    with schema_context(tenant.schema_name):
        return Station.objects.get(pk=station_id).is_exemplary


@pytest.fixture
def indicators(municipal, persona):
    mayor = persona("mayor")
    services.define_indicator(
        mayor, municipal, year=YEAR, name="站点数", metric="stations.open", target="10", weight="40"
    )
    services.define_indicator(
        mayor,
        municipal,
        year=YEAR,
        name="覆盖率",
        formula="ratio",
        metric="stations.coverage",
        dims={"measure": "covered"},
        denominator_metric="stations.coverage",
        denominator_dims={"measure": "required"},
        target="80",
        weight="60",
    )


# ---------------------------------------------------------------------------------------------------- scores
def test_scores_are_the_weighted_achievements_of_the_yearly_facts(indicators, tenant_a, tenant_b, municipal, persona):
    fact(tenant_a, "stations.open", "6", {"kind": "own"})
    fact(tenant_a, "stations.open", "2", {"kind": "virtual"})
    # Coverage cells exactly as the metric emits them: {"measure": "required" | "covered"}.
    fact(tenant_a, "stations.coverage", "9", {"measure": "covered"})
    fact(tenant_a, "stations.coverage", "10", {"measure": "required"})
    fact(tenant_b, "stations.open", "12", {"kind": "own"})
    fact(tenant_b, "stations.coverage", "2", {"measure": "covered"})
    fact(tenant_b, "stations.coverage", "5", {"measure": "required"})
    # Not of the year: a month, and another year.
    fact(tenant_b, "stations.open", "100", {"kind": "own"}, kind="month", start=date(YEAR, 3, 1))
    fact(tenant_b, "stations.open", "100", {"kind": "own"}, start=date(YEAR + 1, 1, 1))
    fact(municipal, "stations.open", "50", {"kind": "own"})  # the municipal union is not assessed

    rows = {r["tenant_id"]: r for r in services.tenant_scores(persona("ana"), municipal, YEAR)}
    assert municipal.pk not in rows
    a, b = rows[tenant_a.pk], rows[tenant_b.pk]
    by_name = {s["name"]: s for s in a["indicators"]}
    # A: 8 open of 10 → 80 % of 40; coverage 9 / 10 = 90 % ≥ 80 → 100 % of 60.
    assert by_name["站点数"]["value"] == Decimal("8.00") and by_name["站点数"]["score"] == Decimal("32.00")
    assert by_name["站点数"]["inputs"] == [{"metric": "stations.open", "dims": {}, "value": Decimal("8"), "cells": 2}]
    assert by_name["覆盖率"]["value"] == Decimal("90.00") and by_name["覆盖率"]["achievement"] == Decimal("100.00")
    assert [i["value"] for i in by_name["覆盖率"]["inputs"]] == [Decimal("9"), Decimal("10")]
    assert a["total"] == Decimal("92.00") and a["max_total"] == Decimal("100.00")
    # B: 12 of 10 → capped at 100 % of 40; coverage 2 / 5 = 40 % → 50 % of 60 = 30.
    assert b["total"] == Decimal("70.00")
    assert list(rows)[:2] == [tenant_a.pk, tenant_b.pk]  # highest total first


def test_the_coverage_ratio_is_scored_from_the_facts_the_real_rollup_writes(indicators, tenant_a, municipal, persona):
    """Real rows, the real rollup, the real facts: 4 above-size enterprises with a union, 3 of them with a station
    open at the end of the year → 75 % (the denominator is the required enterprises, not required + covered)."""
    from core.people.models import Unit
    from rollups import engine
    from stations.models import Station
    from tests.checkdigits import credit_code_check

    with schema_context(tenant_a.schema_name):
        for seed in range(4):
            body = f"91510100MA{seed + 500:07d}"
            unit = Unit.objects.create(
                kind=Unit.Kind.ENTERPRISE, name=f"企业{seed}", credit_code=body + credit_code_check(body),
                employee_count=300, has_union=True, union_is_sound=True, above_designated_size=True,
            )  # fmt: skip
            if seed < 3:
                Station.objects.create(
                    unit=unit, kind=Station.Kind.OWN, name=unit.proposed_station_name(), established_on=date(2018, 1, 1)
                )
        Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name="小企业", employee_count=20, has_union=True)  # not required
    engine.recompute([(tenant_a.schema_name, "year", date(YEAR, 1, 1))])
    cells = dict(
        RollupFact.objects.filter(
            tenant_id=tenant_a.pk, period_kind="year", period_start=date(YEAR, 1, 1), metric="stations.coverage"
        ).values_list("dims_key", "value")
    )
    assert cells == {'{"measure": "covered"}': Decimal("3"), '{"measure": "required"}': Decimal("4")}
    row = next(r for r in services.tenant_scores(persona("mayor"), municipal, YEAR) if r["tenant_id"] == tenant_a.pk)
    coverage = next(s for s in row["indicators"] if s["name"] == "覆盖率")
    assert [i["value"] for i in coverage["inputs"]] == [Decimal("3"), Decimal("4")]
    assert coverage["value"] == Decimal("75.00") and coverage["achievement"] == Decimal("93.75")


def test_a_filter_must_name_the_metrics_dimensions_and_pin_its_measure(indicators, municipal, persona):
    mayor = persona("mayor")
    common = {"year": YEAR, "formula": "ratio", "metric": "stations.coverage", "target": "80", "weight": "1"}
    with pytest.raises(ValidationError) as err:  # the old test's filter: a dimension the metric never emits
        services.define_indicator(
            mayor, municipal, name="a", dims={"state": "covered"}, denominator_metric="stations.coverage",
            denominator_dims={"measure": "required"}, **common,
        )  # fmt: skip
    assert "dims" in err.value.message_dict
    with pytest.raises(ValidationError) as err:  # required + covered added together
        services.define_indicator(
            mayor, municipal, name="b", dims={"measure": "covered"}, denominator_metric="stations.coverage", **common
        )
    assert "denominator_dims" in err.value.message_dict


def test_a_tenant_without_facts_scores_zero_and_a_zero_denominator_gives_no_value(
    indicators, tenant_a, municipal, persona
):
    row = next(r for r in services.tenant_scores(persona("mayor"), municipal, YEAR) if r["tenant_id"] == tenant_a.pk)
    assert row["total"] == Decimal("0")
    assert {s["name"]: s["value"] for s in row["indicators"]} == {"站点数": Decimal("0.00"), "覆盖率": None}


def test_only_the_municipal_administrator_defines_indicators(indicators, tenant_a, municipal, persona, api_for):
    with pytest.raises(Http404):
        services.define_indicator(persona("alice"), tenant_a, year=YEAR, name="x", metric="m", target=1, weight=1)
    with pytest.raises(Http404):
        services.define_indicator(persona("ana"), municipal, year=YEAR, name="x", metric="m", target=1, weight=1)
    with pytest.raises(ValidationError) as err:
        services.define_indicator(persona("mayor"), municipal, year=YEAR, name="站点数", metric="m", target=1, weight=1)
    assert "name" in err.value.message_dict  # unique per year
    with pytest.raises(ValidationError) as err:
        services.define_indicator(persona("mayor"), municipal, year=YEAR, name="y", metric="m", target=1, weight=0)
    assert "weight" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.define_indicator(
            persona("mayor"), municipal, year=YEAR, name="y", metric="m", formula="ratio", target=1, weight=1
        )
    assert "denominator_metric" in err.value.message_dict

    # 帮扶人次 is the count of assistance: without {"measure": "count"} it would add the yuan given to the count.
    body = {"year": YEAR, "name": "帮扶人次", "metric": "dossiers.assistance", "target": "100", "weight": "20"}
    unpinned = api_for(municipal, persona("mayor")).post("/api/assessment/indicators/", body, format="json")
    assert unpinned.status_code == 400 and unpinned.json()["errors"][0]["field"] == "dims"
    body["dims"] = {"measure": "count"}
    assert api_for(tenant_a, persona("alice")).post("/api/assessment/indicators/", body, format="json").status_code in (
        403,
        404,
    )
    assert (
        api_for(municipal, persona("ana")).post("/api/assessment/indicators/", body, format="json").status_code == 403
    )
    made = api_for(municipal, persona("mayor")).post("/api/assessment/indicators/", body, format="json")
    assert made.status_code == 201, made.content
    again = api_for(municipal, persona("mayor")).post("/api/assessment/indicators/", body, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "name"
    listed = api_for(municipal, persona("ana")).get(f"/api/assessment/indicators/?year={YEAR}")
    assert listed.status_code == 200 and listed.json()["count"] == 3


def test_the_analyst_reads_scores_and_a_county_cannot(indicators, tenant_a, municipal, persona, api_for):
    fact(tenant_a, "stations.open", "5", {"kind": "own"})
    answer = api_for(municipal, persona("ana")).get(f"/api/assessment/scores/?year={YEAR}")
    assert answer.status_code == 200
    row = next(r for r in answer.json() if r["short_code"] == tenant_a.short_code)
    assert row["total"] == "20.00"
    open_stations = next(s for s in row["indicators"] if s["name"] == "站点数")
    assert open_stations["inputs"][0] == {"metric": "stations.open", "dims": {}, "value": "5.00", "cells": 1}
    assert api_for(tenant_a, persona("alice")).get("/api/assessment/scores/").status_code in (403, 404)
    with pytest.raises(Http404):
        services.tenant_scores(persona("alice"), tenant_a, YEAR)


def test_score_pages(indicators, tenant_a, municipal, persona, client_for):
    fact(tenant_a, "stations.open", "5", {"kind": "own"})
    page = client_for(municipal, persona("ana")).get(f"/assessment/?year={YEAR}")
    assert page.status_code == 200 and "覆盖率" in page.content.decode() and tenant_a.name in page.content.decode()
    assert b'name="weight"' not in page.content  # the analyst reads, does not define
    mayor = client_for(municipal, persona("mayor"))
    defined = mayor.post(
        f"/assessment/?year={YEAR}",
        {
            "year": YEAR,
            "name": "建档数",
            "formula": "value",
            "metric": "dossiers.count",
            "dims": "{}",
            "target": "10",
            "weight": "5",
        },
    )
    assert defined.status_code == 302
    bad = mayor.post(
        "/assessment/",
        {
            "year": YEAR,
            "name": "建档数",
            "formula": "value",
            "metric": "dossiers.count",
            "dims": "{}",
            "target": "10",
            "weight": "5",
        },
    )
    assert bad.status_code == 400
    assert client_for(tenant_a, persona("alice")).get("/assessment/").status_code == 404


# ------------------------------------------------------------------------------------------------ inspection
def test_an_inspection_scores_the_checklist_items_passed(tenant_a, municipal, persona, api_for, client_for):
    station = make_station(tenant_a, head_name="王站长", has_service_window=True, has_sign=True, rule_duties=True)
    name, checklist = services.checklist_of(tenant_a, station.pk)
    recorded = sum(1 for row in checklist if row["ok"])
    assert len(checklist) == 12 and recorded == 4  # office, window, sign, IT; head, staff; six rules
    mayor = persona("mayor")
    # The inspector finds the sign missing (position 2) and the IT equipment present (position 3).
    inspection = services.inspect_station(
        mayor, municipal, tenant_a, station.pk, {"2": False, checklist[3]["item"]: True}, notes={"2": "标牌未悬挂"}
    )
    assert inspection.score == Decimal("33.33")  # 4 of 12
    assert inspection.station_name == name and inspection.items[2] == {
        "group": "hardware",
        "item": checklist[2]["item"],
        "recorded": True,
        "passed": False,
        "note": "标牌未悬挂",
    }
    with pytest.raises(ValidationError):
        services.inspect_station(mayor, municipal, tenant_a, station.pk, {"no such item": True})
    with pytest.raises(ValidationError):
        services.inspect_station(mayor, municipal, tenant_a, station.pk + 999, {})
    with pytest.raises(Http404):
        services.inspect_station(persona("ana"), municipal, tenant_a, station.pk, {})
    with pytest.raises(Http404):
        services.inspect_station(persona("alice"), tenant_a, tenant_a, station.pk, {})

    body = {"tenant": tenant_a.short_code, "station_id": station.pk, "items_passed": {str(i): True for i in range(12)}}
    assert (
        api_for(municipal, persona("ana")).post("/api/assessment/inspections/", body, format="json").status_code == 403
    )
    made = api_for(municipal, mayor).post("/api/assessment/inspections/", body, format="json")
    assert made.status_code == 201 and made.json()["score"] == "100.00"
    listed = api_for(municipal, persona("ana")).get("/api/assessment/inspections/")
    assert listed.json()["count"] == 2

    client = client_for(municipal, mayor)
    form = client.get(f"/assessment/inspections/{tenant_a.short_code}/{station.pk}/")
    assert form.status_code == 200 and checklist[0]["item"] in form.content.decode()
    posted = client.post(
        f"/assessment/inspections/{tenant_a.short_code}/{station.pk}/", {"item-0": "on", "item-1": "on"}
    )
    assert posted.status_code == 302
    assert services.inspections(mayor, municipal).first().score == Decimal("16.67")  # 2 of 12
    assert client.get(f"/assessment/inspections/?tenant={tenant_a.short_code}").status_code == 200


# ----------------------------------------------------------------------------------------------- nominations
def test_nomination_designated_marks_the_station_exemplary_in_its_own_schema(
    tenant_a, tenant_b, municipal, persona, api_for
):
    in_a = make_station(tenant_a)
    in_b = make_station(tenant_b)  # a separate schema: may carry the same id
    alice, bob, mayor = persona("alice"), persona("bob"), persona("mayor")
    answer = api_for(tenant_a, alice).post(
        "/api/assessment/nominations/", {"station_id": in_a.pk, "reason": "服务规范"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    nomination_id = answer.json()["id"]
    assert answer.json()["status"] == "nominated" and answer.json()["station_name"] == in_a.name
    again = api_for(tenant_a, alice).post(
        "/api/assessment/nominations/", {"station_id": in_a.pk, "reason": "x"}, format="json"
    )
    assert again.status_code == 400
    missing = api_for(tenant_a, alice).post(
        "/api/assessment/nominations/", {"station_id": in_a.pk + 999, "reason": "x"}, format="json"
    )
    assert missing.status_code == 400
    # Staff cannot nominate; B sees none of A's nominations.
    staff = api_for(tenant_a, persona("amy")).post(
        "/api/assessment/nominations/", {"station_id": in_a.pk, "reason": "x"}, format="json"
    )
    assert staff.status_code == 403
    assert api_for(tenant_b, bob).get("/api/assessment/nominations/").json()["count"] == 0
    assert not services.nominations(bob, tenant_b).exists()
    # A county cannot decide, neither on its own tenant nor by naming the municipal one.
    assert (
        api_for(tenant_a, alice)
        .post(f"/api/assessment/nominations/{nomination_id}/decide/", {"designate": True}, format="json")
        .status_code
        == 403
    )
    with pytest.raises(Http404):
        services.decide_nomination(alice, municipal, nomination_id, designate=True)
    assert api_for(municipal, persona("ana")).get("/api/assessment/nominations/").json()["count"] == 1

    inspection = services.inspect_station(mayor, municipal, tenant_a, in_a.pk, {})
    decided = api_for(municipal, mayor).post(
        f"/api/assessment/nominations/{nomination_id}/decide/", {"designate": True}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "designated" and decided.json()["inspection"] == inspection.pk
    assert exemplary(tenant_a, in_a.pk) is True
    assert exemplary(tenant_b, in_b.pk) is False  # tenant B untouched, whatever the ids
    twice = api_for(municipal, mayor).post(
        f"/api/assessment/nominations/{nomination_id}/decide/", {"designate": False, "reason": "x"}, format="json"
    )
    assert twice.status_code == 400
    # The county sees the state.
    own = api_for(tenant_a, alice).get("/api/assessment/nominations/").json()["results"]
    assert [(n["id"], n["status"]) for n in own] == [(nomination_id, "designated")]


def test_declining_needs_a_reason_and_leaves_the_station(tenant_a, municipal, persona, client_for):
    station = make_station(tenant_a)
    alice, mayor = persona("alice"), persona("mayor")
    with pytest.raises(ValidationError) as err:
        services.nominate_station(alice, tenant_a, station.pk, "  ")
    assert "reason" in err.value.message_dict
    nomination = services.nominate_station(alice, tenant_a, station.pk, "群众满意度高")
    with pytest.raises(ValidationError) as err:
        services.decide_nomination(mayor, municipal, nomination.pk, designate=False, reason="")
    assert "reason" in err.value.message_dict
    with pytest.raises(Http404):
        services.nominate_station(persona("bob"), tenant_a, station.pk, "x")  # not B's union

    # Through the pages: the inbox, a decline without a reason refused, then with one.
    client = client_for(municipal, mayor)
    inbox = client.get("/assessment/nominations/")
    assert inbox.status_code == 200 and station.name in inbox.content.decode()
    client.post(f"/assessment/nominations/{nomination.pk}/decide/", {f"n{nomination.pk}-designate": "0"})
    assert DemonstrationNomination.objects.get(pk=nomination.pk).status == "nominated"
    client.post(
        f"/assessment/nominations/{nomination.pk}/decide/",
        {f"n{nomination.pk}-designate": "0", f"n{nomination.pk}-reason": "硬件未达标"},
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.decision_reason, nomination.decided_by) == ("declined", "硬件未达标", mayor)
    assert exemplary(tenant_a, station.pk) is False
    county = client_for(tenant_a, alice).get("/assessment/nominations/")
    assert county.status_code == 200 and "硬件未达标" in county.content.decode()


def test_county_nominates_through_its_page(tenant_a, tenant_b, persona, client_for):
    station = make_station(tenant_a)
    client = client_for(tenant_a, persona("alice"))
    page = client.get("/assessment/nominations/")
    assert page.status_code == 200 and station.name in page.content.decode()
    assert client.post("/assessment/nominations/", {"station_id": station.pk, "reason": "示范"}).status_code == 302
    assert DemonstrationNomination.objects.filter(tenant=tenant_a, station_id=station.pk).exists()
    other = client_for(tenant_b, persona("bob")).get("/assessment/nominations/")
    assert other.status_code == 200 and station.name not in other.content.decode()
