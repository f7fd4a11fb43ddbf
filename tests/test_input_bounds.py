"""Issue 16, findings 4–6: input the fuzzing probe sent that answered 500 or was stored as nonsense.

- JSON nested too deeply (or too large) answers 400 naming the limit, not 500 (``core.api.parsers``);
- years and dates in query strings outside 2000–2100 answer 400 naming the parameter, in the API and the pages
  (``core.dates.query_year`` / ``query_date``);
- dates that record what happened are refused in the future and before their floor (``core.dates.past_record``,
  ``past_founding``), in the API and the pages' forms, naming the field.

Every test that writes tenant data has two tenants and checks that the other one sees none of it.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.people.models import Unit
from stations import services as station_services
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station
from tests.factories import add_member, filed


def nested(depth: int, leaf="x"):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def nested_json(depth: int, key: str = "username") -> str:
    return '{"' + key + '": ' + "[" * depth + '"x"' + "]" * depth + ', "password": "p"}'


def fields_of(response) -> set:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    return {error["field"] for error in response.json()["errors"]}


# ------------------------------------------------------------------------------------------------ 4. JSON
@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_deeply_nested_json_answers_400_not_500_even_unauthenticated(tenant_a, api_for, depth):
    response = api_for(tenant_a).post("/api/auth/token/", nested_json(depth), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == "json_too_deep"
    assert "32" in body["errors"][0]["reason"]  # it names the limit


def test_deeply_nested_json_on_an_authenticated_endpoint_creates_nothing(tenant_a, tenant_b, persona, api_for):
    body = '{"kind": "union", "name": ' + "[" * 5000 + '"x"' + "]" * 5000 + "}"
    for tenant, user in ((tenant_a, "alice"), (tenant_b, "bob")):
        response = api_for(tenant, persona(user)).post("/api/units/", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "json_too_deep"
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            assert not Unit.objects.exists()


def test_json_within_the_limits_still_parses(tenant_a, tenant_b, persona, api_for, settings):
    settings.BANGFU_JSON_MAX_DEPTH = 3
    api = api_for(tenant_a, persona("alice"))
    assert api.post("/api/units/", {"kind": "union", "name": "甲县总工会"}, format="json").status_code == 201
    assert api.post("/api/units/", {"kind": "union", "name": nested(3)}, format="json").status_code == 400
    with schema_context(tenant_b.schema_name):
        assert not Unit.objects.exists()  # tenant B never sees A's unit


def test_too_large_json_answers_400_naming_the_limit(tenant_a, api_for, settings):
    settings.BANGFU_JSON_MAX_BYTES = 100
    response = api_for(tenant_a).post(
        "/api/auth/token/", '{"username": "' + "x" * 200 + '", "password": "p"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "json_too_large"
    assert "100" in response.json()["errors"][0]["reason"]


def test_forms_and_uploads_keep_their_parsers(tenant_a, api_for):
    response = api_for(tenant_a).post("/api/auth/token/", {"username": "nobody", "password": "x"})  # multipart
    assert response.status_code == 400 and response.json()["errors"][0]["field"] is None  # a wrong login


# ------------------------------------------------------------------------------------- 5. years and dates
@pytest.mark.parametrize("year", ["0", "10000", "-3", "1999", "2101"])
def test_assessment_years_out_of_range_answer_400_naming_the_year(municipal, persona, api_for, client_for, year):
    api = api_for(municipal, persona("ana"))
    for path in ("/api/assessment/scores/", "/api/assessment/indicators/"):
        assert fields_of(api.get(f"{path}?year={year}")) == {"year"}
    page = client_for(municipal, persona("ana")).get(f"/assessment/?year={year}")
    assert page.status_code == 400 and "year" in page.content.decode()
    assert api.get("/api/assessment/scores/?year=2026").status_code == 200
    assert api.get("/api/assessment/scores/?year=abc").status_code == 400


@pytest.mark.parametrize("start", ["0001-01-01", "1999-12-31", "9999-12-31", "not-a-date"])
def test_rollup_periods_out_of_range_answer_400(tenant_a, tenant_b, municipal, persona, client_for, api_for, start):
    viewer = add_member(tenant_a, "vera", "viewer")  # a county viewer reaches the union's own figures
    county = client_for(tenant_a, viewer)
    for path in ("/rollups/own/", "/rollups/own/export/", "/rollups/own/units/1/"):
        response = county.get(f"{path}?start={start}")
        assert response.status_code == 400, (path, response.status_code)
        assert "start" in response.content.decode()
    city = client_for(municipal, persona("ana"))
    for path in (
        "/rollups/",
        "/rollups/export/",
        f"/rollups/unions/{tenant_a.pk}/",
        f"/rollups/unions/{tenant_b.pk}/export/",
        "/rollups/trend/",
        "/rollups/trend/export/",
    ):
        for period in ("month", "year"):
            response = city.get(f"{path}?period={period}&start={start}")
            assert response.status_code == 400, (path, period, response.status_code)
    api = api_for(municipal, persona("ana"))
    assert fields_of(api.get(f"/api/rollups/figures/?metric=dossiers.count&start={start}")) == {"start"}
    # In range, the same pages answer.
    assert county.get("/rollups/own/?start=2026-01-01").status_code == 200
    assert city.get(f"/rollups/unions/{tenant_a.pk}/?period=year&start=2000-01-01").status_code == 200
    assert city.get("/rollups/?period=year&start=2100-12-31").status_code == 200


def test_station_coverage_page_refuses_a_year_out_of_range(tenant_a, persona, client_for):
    alice = client_for(tenant_a, persona("alice"))
    assert alice.get("/stations/coverage/?year=0").status_code == 400
    assert alice.get("/stations/coverage/").status_code == 200


# ------------------------------------------------------------------------------------ 6. recorded dates
@pytest.fixture
def places(tenant_a, tenant_b, persona):
    """Each tenant: its union, an own station, a fund account."""
    made = {}
    for tenant, user in ((tenant_a, "alice"), (tenant_b, "bob")):
        actor = persona(user)
        with schema_context(tenant.schema_name):
            union = station_services.save_unit(actor, tenant, {"kind": "union", "name": f"{tenant.name}本级"})
            station = station_services.save_station(
                actor, tenant, {"unit": union, "kind": "own", "established_on": date(2020, 1, 1)}
            )
            account = station_services.open_account(actor, tenant, name="资金", station=station)
        made[tenant.short_code] = {"union": union, "station": station, "account": account}
    return made


def _counts(tenant):
    with schema_context(tenant.schema_name):
        return (Station.objects.count(), ReceptionRecord.objects.count(), FundEntry.objects.count())


FUTURE = timezone.localdate() + timedelta(days=400)


@pytest.mark.parametrize("when", [FUTURE, date(1800, 1, 1), date(1999, 12, 31)])
def test_recorded_dates_out_of_range_are_refused_by_the_api(places, tenant_a, tenant_b, persona, api_for, when):
    before_b = _counts(tenant_b)
    a = places[tenant_a.short_code]
    api = api_for(tenant_a, persona("alice"))
    visit = {"station": a["station"].pk, "visitor_name": "张三", "category": "living", "request": "求助"}
    at = f"{when.isoformat()}T10:00:00+08:00"
    assert fields_of(api.post("/api/reception-records/", {**visit, "visited_at": at}, format="json")) == {"visited_at"}
    income = {"amount": "100.00", "source": "upper_union", "booked_on": when.isoformat()}
    assert fields_of(api.post(f"/api/fund-accounts/{a['account'].pk}/income/", income, format="json")) == {"booked_on"}
    spend = {"amount": "1.00", "purpose": "x", "approver": "y", "booked_on": when.isoformat()}
    assert fields_of(api.post(f"/api/fund-accounts/{a['account'].pk}/expenditure/", spend, format="json")) == {
        "booked_on"
    }
    if when != date(1999, 12, 31):  # a station may be older than the records: its floor is 1949-10-01
        new_station = {"unit": a["union"].pk, "kind": "virtual", "hotline": "12351", "established_on": str(when)}
        assert fields_of(api.post("/api/stations/", new_station, format="json")) == {"established_on"}
    # Nothing was stored, on A or on B.
    assert _counts(tenant_a) == (1, 0, 0)
    assert _counts(tenant_b) == before_b


def test_recorded_dates_in_range_are_accepted_and_read_back_as_rfc3339(places, tenant_a, tenant_b, persona, api_for):
    a = places[tenant_a.short_code]
    api = api_for(tenant_a, persona("alice"))
    visit = {"station": a["station"].pk, "visitor_name": "张三", "category": "living", "request": "求助",
             "visited_at": "2000-01-01T10:05:00+08:00"}  # fmt: skip
    made = api.post("/api/reception-records/", visit, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["visited_at"].endswith("+08:00")  # never a local-mean-time offset such as +08:05:43
    old_station = {"unit": a["union"].pk, "kind": "virtual", "hotline": "12351", "established_on": "1950-05-01"}
    assert api.post("/api/stations/", old_station, format="json").status_code == 201
    assert api_for(tenant_b, persona("bob")).get("/api/reception-records/").json()["count"] == 0


@pytest.mark.parametrize("when", [FUTURE, date(1800, 1, 1)])
def test_dossier_dates_out_of_range_are_refused_by_the_api(standards, tenant_a, tenant_b, persona, api_for, when):
    from dossiers.models import Assistance, Pairing

    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    api = api_for(tenant_a, alice)
    help_ = {"kind": "living", "amount": "100.00", "given_on": when.isoformat()}
    assert fields_of(api.post(f"/api/dossiers/{dossier.pk}/assistance/", help_, format="json")) == {"given_on"}
    pair = {"cadre_name": "张主席", "since": when.isoformat()}
    assert fields_of(api.post(f"/api/dossiers/{dossier.pk}/pairings/", pair, format="json")) == {"since"}
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            assert not Assistance.objects.exists() and not Pairing.objects.exists()


def test_pages_forms_refuse_recorded_dates_out_of_range(places, tenant_a, tenant_b, persona, client_for):
    a = places[tenant_a.short_code]
    alice = client_for(tenant_a, persona("alice"))
    for when in ("1800-01-01T10:00", f"{FUTURE.isoformat()}T10:00"):
        response = alice.post(
            "/stations/reception/new/",
            {"station": a["station"].pk, "visitor_name": "张三", "category": "living", "request": "x",
             "visited_at": when},
        )  # fmt: skip
        assert response.status_code == 400
        assert response.context["form"].errors.keys() == {"visited_at"}
    for when in ("1800-01-01", FUTURE.isoformat()):
        response = alice.post(
            f"/stations/funds/{a['account'].pk}/",
            {"action": "income", "income-amount": "10", "income-source": "upper_union", "income-booked_on": when},
        )
        assert "booked_on" in response.context["income_form"].errors, response.status_code
    assert _counts(tenant_a) == (1, 0, 0) and _counts(tenant_b) == (1, 0, 0)
    with schema_context(tenant_b.schema_name):
        assert FundAccount.objects.count() == 1


def test_station_page_form_refuses_an_opening_date_out_of_range(places, tenant_a, tenant_b, persona, client_for):
    a = places[tenant_a.short_code]
    alice = client_for(tenant_a, persona("alice"))
    for when in ("1800-01-01", FUTURE.isoformat()):
        response = alice.post(
            "/stations/new/",
            {"unit": a["union"].pk, "kind": "virtual", "hotline": "12351", "established_on": when},
        )
        assert response.status_code == 400
        assert "established_on" in response.context["form"].errors
    assert _counts(tenant_a)[0] == 1 and _counts(tenant_b)[0] == 1


def test_dossier_pages_refuse_assistance_and_pairings_out_of_range(standards, tenant_a, tenant_b, persona, client_for):
    from dossiers.models import Assistance, Pairing

    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    page = client_for(tenant_a, alice)
    for when in ("1800-01-01", FUTURE.isoformat()):
        response = page.post(
            f"/dossiers/{dossier.pk}/",
            {"action": "assistance", "assistance-kind": "living", "assistance-amount": "100",
             "assistance-given_on": when},
        )  # fmt: skip
        assert "given_on" in response.context["assistance_form"].errors
        response = page.post(f"/dossiers/{dossier.pk}/pairings/", {"cadre_name": "张主席", "since": when}, follow=True)
        shown = " ".join(str(m) for m in response.context["messages"])
        assert ("2000-01-01" in shown) if when.startswith("1800") else ("不能晚于今天" in shown), shown
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            assert not Assistance.objects.exists() and not Pairing.objects.exists()
