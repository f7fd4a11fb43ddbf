"""The station rules of D-ST1 … D-ST7, each with two tenants: coverage, the four-haves register, the ledger."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from core.people.models import Unit
from core.people.validators import USCC_ALPHABET, validate_uscc
from core.plugins import metrics_for
from stations import services
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station
from stations.services import Requirement, coverage_requirement, unit_compliance
from tests.checkdigits import credit_code_check
from tests.factories import make_ids_foreign
from tests.isolation import assert_absent_from, assert_only_in

LAST_YEAR = date.today().year - 1


def uscc(seed: int) -> str:
    body = f"91510100MA{seed:07d}"
    return body + credit_code_check(body)


def enterprise(name="乐山示例有限公司", employees=250, union=True, sound=True, above=True, no_premises=False, seed=1):
    return Unit.objects.create(
        kind=Unit.Kind.ENTERPRISE,
        name=name,
        credit_code=uscc(seed),
        employee_count=employees,
        has_union=union,
        union_is_sound=union and sound,
        above_designated_size=above,
        without_premises=no_premises,
    )


def station(unit, kind=Station.Kind.OWN, host=None, established=date(2020, 1, 1), **extra):
    return Station.objects.create(
        unit=unit,
        kind=kind,
        name=unit.proposed_station_name(),
        host_station=host,
        established_on=established,
        hotline="12351" if kind == Station.Kind.VIRTUAL else "",
        **extra,
    )


# ----------------------------------------------------------------------------------------------- credit code
def test_credit_code_check_character():
    for seed in range(200):
        code = uscc(seed)
        validate_uscc(code)
        validate_uscc(code.lower())  # normalised before saving
        for position in range(18):
            for replacement in USCC_ALPHABET[:8]:
                if replacement != code[position]:
                    with pytest.raises(ValidationError):
                        validate_uscc(code[:position] + replacement + code[position + 1 :])
    for bad in ["", "9151010", "91510100MA0000001I1", "91510100MA000000O1"]:
        with pytest.raises(ValidationError):
            validate_uscc(bad)


# --------------------------------------------------------------------------------------------------- coverage
@pytest.mark.parametrize(
    ("employees", "sound", "no_premises", "union", "expected"),
    [
        (199, True, False, True, Requirement.ATTACHED_OR_VIRTUAL),
        (200, True, False, True, Requirement.OWN),
        (5000, False, False, True, Requirement.ATTACHED_OR_VIRTUAL),  # union not sound yet
        (300, True, True, True, Requirement.VIRTUAL),  # building economy without premises
        (30, False, True, True, Requirement.VIRTUAL),
        (800, False, False, False, Requirement.NONE),  # no union: the union comes first
    ],
)
def test_coverage_rule_boundaries(tenant_a, tenant_b, employees, sound, no_premises, union, expected):
    with schema_context(tenant_a.schema_name):
        unit = enterprise(employees=employees, sound=sound, no_premises=no_premises, union=union)
        assert coverage_requirement(unit) == expected
    assert_only_in(tenant_a, tenant_b, Unit, credit_code=unit.credit_code)


def test_compliance_by_station_kind(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        township = Unit.objects.create(kind=Unit.Kind.TOWNSHIP, name="苏稽镇")
        host = station(township)
        big = enterprise(name="大企业", employees=200, seed=2)
        small = enterprise(name="小企业", employees=199, seed=3)
        station(big, Station.Kind.ATTACHED, host=host)
        station(small, Station.Kind.ATTACHED, host=host)
        assert not unit_compliance(big).complies  # ≥ 200 with a sound union must run its own
        assert unit_compliance(small).complies
        station(big, Station.Kind.OWN)
        assert unit_compliance(big).complies
    for name in ("苏稽镇", "大企业", "小企业"):
        assert_only_in(tenant_a, tenant_b, Unit, name=name)
    assert_absent_from(tenant_b, Station, unit__name__in=["苏稽镇", "大企业", "小企业"])


def test_coverage_figures_against_targets(tenant_a, tenant_b, persona):
    with schema_context(tenant_a.schema_name):
        services.set_default_targets(persona("alice"), tenant_a, LAST_YEAR)
        for seed in range(4):
            unit = enterprise(name=f"企业{seed}", seed=10 + seed)
            if seed < 3:
                station(unit, established=date(LAST_YEAR, 6, 1))
        station(enterprise(name="年后建站", seed=20), established=date(LAST_YEAR + 1, 1, 1))
        enterprise(name="无工会", union=False, seed=21)  # not counted: no union
        enterprise(name="规下", above=False, seed=22)  # not counted: below designated size
        figures = services.coverage_figures(LAST_YEAR)
        assert (figures.required, figures.covered, figures.share) == (5, 3, Decimal("60.00"))
        assert figures.target == Decimal("50") and figures.meets_target
        assert services.target_for(LAST_YEAR + 5) == Decimal("100")
    with schema_context(tenant_b.schema_name):
        assert services.coverage_figures(LAST_YEAR).required == 0


def test_station_rules_and_checklist(tenant_a, tenant_b, persona):
    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        company = enterprise()
        own = services.save_station(
            alice, tenant_a, {"unit": company, "kind": "own", "established_on": date(2021, 3, 1), "office_area": 8}
        )
        assert own.name == "乐山示例有限公司工会帮扶服务站"
        with translation.override("en"):
            missing = own.missing()
        assert "Office of at least 10 m², or co-located" in missing
        own.co_located_with = Station.CoLocation.WORKERS_HOME
        own.save()
        assert len(own.missing()) == len(missing) - 1
        with pytest.raises(ValidationError) as err:
            services.save_station(alice, tenant_a, {"unit": company, "kind": "attached", "host_station": own})
        assert "host_station" in err.value.message_dict  # an enterprise's station cannot host
        with pytest.raises(ValidationError) as err:
            services.save_station(alice, tenant_a, {"unit": company, "kind": "virtual", "established_on": date.today()})
        assert "hotline" in err.value.message_dict
    assert_only_in(tenant_a, tenant_b, Station, name="乐山示例有限公司工会帮扶服务站")
    with schema_context(tenant_b.schema_name), pytest.raises(Http404):
        services.access_station(persona("bob"), tenant_b, own.pk)


# -------------------------------------------------------------------------------------------- reception register
def test_reception_cannot_skip_a_stage(tenant_a, tenant_b, persona):
    alice = persona("alice")
    make_ids_foreign(tenant_a, tenant_b, Unit, Station, ReceptionRecord)  # A's ids: none that B has
    with schema_context(tenant_a.schema_name):
        desk = station(enterprise())
        record = services.register_visit(
            alice, tenant_a, station=desk, visitor_name="王师傅", category="medical", request="住院费用困难"
        )
        with pytest.raises(ValidationError) as err:
            services.close_visit(alice, tenant_a, record.pk, completion_report="已解决")
        assert "stage" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            services.handle_visit(alice, tenant_a, record.pk, action_taken="发放救助金")
        assert "stage" in err.value.message_dict
        services.archive_visit(alice, tenant_a, record.pk, archive_ref="JD-2026-001")
        services.handle_visit(alice, tenant_a, record.pk, action_taken="发放医疗救助2000元", referred_to="民政局")
        with pytest.raises(ValidationError) as err:
            services.close_visit(alice, tenant_a, record.pk, completion_report="  ")
        assert "completion_report" in err.value.message_dict
        closed = services.close_visit(alice, tenant_a, record.pk, completion_report="救助到位，回访满意")
        assert closed.stage == "closed"
        assert closed.registered_by == closed.archived_by == closed.handled_by == closed.closed_by == alice
        assert closed.registered_at <= closed.archived_at <= closed.handled_at <= closed.closed_at
        # Even a raw UPDATE cannot close a record without its report.
        other = services.register_visit(alice, tenant_a, station=desk, visitor_name="李", category="other", request="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            ReceptionRecord.objects.filter(pk=other.pk).update(stage="closed")
    assert_only_in(tenant_a, tenant_b, ReceptionRecord, visitor_name="王师傅")
    with schema_context(tenant_b.schema_name), pytest.raises(Http404):  # B's admin cannot move A's record on
        services.archive_visit(persona("bob"), tenant_b, other.pk, archive_ref="B-1")
    with schema_context(tenant_a.schema_name):
        assert ReceptionRecord.objects.get(pk=other.pk).stage == "registered"


def test_overdue_by_tenant_time_limit(tenant_a, tenant_b, persona):
    from stations.models import StationPolicy

    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        desk = station(enterprise())
        old = services.register_visit(
            alice,
            tenant_a,
            station=desk,
            visitor_name="张",
            category="living",
            request="生活困难",
            visited_at=timezone.now() - timedelta(days=16),
        )
        assert old.is_overdue()
        StationPolicy.objects.update_or_create(pk=1, defaults={"reception_time_limit_days": 30})
        assert not old.is_overdue(policy=StationPolicy.current())
    default = StationPolicy._meta.get_field("reception_time_limit_days").default
    with schema_context(tenant_b.schema_name):  # A's time limit is A's own
        assert StationPolicy.current().reception_time_limit_days == default != 30
    assert_absent_from(tenant_b, ReceptionRecord, visitor_name="张")


def test_station_of_a_is_invisible_from_b(tenant_a, tenant_b, persona):
    make_ids_foreign(tenant_a, tenant_b, Unit, Station)  # A's station id is none that B has: the 404 is not luck
    with schema_context(tenant_a.schema_name):
        desk = station(enterprise())
        desk_id = desk.pk
    with schema_context(tenant_b.schema_name):
        assert not Station.objects.filter(pk=desk_id).exists()
        with pytest.raises(Http404):
            services.access_station(persona("bob"), tenant_b, desk_id)
    with pytest.raises(Http404):  # alice is no member of B
        services.access_station(persona("alice"), tenant_b, desk_id)


def test_station_staff_sees_only_her_unit(tenant_a, tenant_b, persona):
    from tenants.models import Membership

    amy = persona("amy")
    with schema_context(tenant_a.schema_name):
        group = enterprise(name="集团", seed=30)
        subsidiary = Unit.objects.create(kind="enterprise", name="子公司", parent=group, employee_count=50)
        mine = station(subsidiary, Station.Kind.VIRTUAL)
        other = station(enterprise(name="别家", seed=31))
        Membership.objects.filter(user=amy, tenant=tenant_a).update(unit_id=group.pk)
        amy.__dict__.pop("_bangfu_memberships", None)
        assert list(services.visible_stations(amy, tenant_a)) == [mine]
        with pytest.raises(Http404):
            services.access_station(amy, tenant_a, other.pk)
    with schema_context(tenant_b.schema_name):  # amy is no member of B, and B's admin sees none of A's stations
        with pytest.raises(Http404):
            services.access_station(amy, tenant_b, mine.pk)
        assert not {s.name for s in services.visible_stations(persona("bob"), tenant_b)} & {mine.name, other.name}


# ------------------------------------------------------------------------------------------------------ ledger
def test_ledger_books_reverses_and_never_changes(tenant_a, tenant_b, persona):
    make_ids_foreign(tenant_a, tenant_b, FundAccount, FundEntry)  # A's account id is none that B has
    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        account = services.open_account(alice, tenant_a, name="工会帮扶资金")
        services.book_income(alice, tenant_a, account.pk, amount="1000.10", source="upper_union")
        with pytest.raises(ValidationError) as err:
            services.book_income(alice, tenant_a, account.pk, amount="50", source="named_donation")
        assert "donor" in err.value.message_dict
        spent = services.book_expenditure(
            alice, tenant_a, account.pk, amount="300.05", purpose="春节慰问", approver="主席"
        )
        with pytest.raises(ValidationError) as err:
            services.book_expenditure(alice, tenant_a, account.pk, amount="700.06", purpose="x", approver="y")
        assert "amount" in err.value.message_dict
        for bad in ["0", "-5", "1.001", "abc", "NaN"]:
            with pytest.raises(ValidationError):
                services.book_income(alice, tenant_a, account.pk, amount=bad, source="donation")
        services.reverse_entry(alice, tenant_a, spent.pk, note="重复录入")
        with pytest.raises(ValidationError):
            services.reverse_entry(alice, tenant_a, spent.pk, note="again")
        account.refresh_from_db()
        assert account.balance == Decimal("1000.10")
        assert [e.balance_after for e in account.entries.order_by("id")] == [
            Decimal("1000.10"),
            Decimal("700.05"),
            Decimal("1000.10"),
        ]
        with pytest.raises(IntegrityError), transaction.atomic():
            FundEntry.objects.filter(pk=spent.pk).update(amount=Decimal("-1"))
        with pytest.raises(IntegrityError), transaction.atomic():
            FundEntry.objects.filter(pk=spent.pk).delete()
        account_id = account.pk
    with schema_context(tenant_b.schema_name):
        assert not FundAccount.objects.filter(pk=account_id).exists()
        with pytest.raises(Http404):
            services.book_expenditure(persona("bob"), tenant_b, account_id, amount="1", purpose="x", approver="y")


def test_concurrent_expenditures_never_overdraw(committed, tenant_a, tenant_b, persona):
    """20 expenditures of 10.00 at once against a balance of 100.00: exactly 10 succeed, none is lost, the
    balance ends at 0.00 and never goes below."""
    alice = persona("alice")
    schema = tenant_a.schema_name
    rows = committed(
        f'INSERT INTO "{schema}".stations_fundaccount (name, balance, created_at) '
        "VALUES ('并发测试账户', 100.00, now()) RETURNING id"
    )
    account_id = rows[0][0]
    committed("SELECT 1", undo_with=(f'DELETE FROM "{schema}".stations_fundaccount WHERE id = %s', [account_id]))
    committed("SELECT 1", undo_with=(f'DELETE FROM "{schema}".stations_fundentry WHERE account_id = %s', [account_id]))
    committed("SELECT 1", undo_with=("SET bangfu.ledger_maintenance = 'on'", []))

    barrier = threading.Barrier(20)
    outcomes: dict[int, object] = {}  # thread → "ok", the refusal's fields, or the unexpected exception

    def spend(i):
        try:
            connection.set_tenant(tenant_a)
            barrier.wait(timeout=30)
            services.book_expenditure(alice, tenant_a, account_id, amount="10.00", purpose=f"慰问{i}", approver="主席")
            outcomes[i] = "ok"
        except ValidationError as exc:
            outcomes[i] = exc.message_dict
        except BaseException as exc:  # noqa: BLE001 — recorded and failed on below, not swallowed
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t.name for t in threads if t.is_alive()], "threads still running after 120 s"
    unexpected = {i: o for i, o in outcomes.items() if isinstance(o, BaseException)}
    assert not unexpected, unexpected
    assert sorted(outcomes) == list(range(20)), "a thread died without an outcome"
    assert list(outcomes.values()).count("ok") == 10
    refused = [o for o in outcomes.values() if o != "ok"]
    assert len(refused) == 10 and all(set(o) == {"amount"} for o in refused), refused
    balance, entries, lowest = committed(
        f'SELECT a.balance, count(e.id), min(e.balance_after) FROM "{schema}".stations_fundaccount a '
        f'LEFT JOIN "{schema}".stations_fundentry e ON e.account_id = a.id WHERE a.id = %s GROUP BY a.balance',
        [account_id],
    )[0]
    assert balance == Decimal("0.00") and entries == 10 and lowest == Decimal("0.00")
    other = f'"{tenant_b.schema_name}"'
    assert committed(f"SELECT count(*) FROM {other}.stations_fundentry WHERE purpose LIKE '慰问%%'") == [(0,)]


# ------------------------------------------------------------------------------------------------------ metrics
def test_station_metrics_hold_only_counts(tenant_a, tenant_b, persona):
    with schema_context(tenant_a.schema_name):
        desk = station(enterprise())
        services.register_visit(
            persona("alice"), tenant_a, station=desk, visitor_name="王", category="medical", request="x"
        )
        figures = {m.name: list(m.compute(tenant_a, None)) for m in metrics_for(tenant_a)}
    # Counts per kind and stage; the unit and station are ids of organisations of the union, never of a person.
    assert figures["stations.open"] == [({"kind": "own", "unit": desk.unit_id}, 1)]
    assert figures["stations.receptions"] == [({"stage": "registered", "category": "medical", "station": desk.pk}, 1)]
    assert "王" not in repr(figures)
    with schema_context(tenant_b.schema_name):
        figures_b = {m.name: list(m.compute(tenant_b, None)) for m in metrics_for(tenant_b)}
    assert figures_b["stations.open"] == [] and figures_b["stations.receptions"] == []
