"""A union's figures over its own units (a county's enterprises and townships, an enterprise group's subsidiaries):
its own page, the municipal drill-down from a union to one of its units, both from the rollup facts; on two
tenants, neither ever showing the other's units."""

from datetime import date

import pytest
from django_tenants.utils import schema_context

from core.people.models import Unit
from rollups import engine, services
from stations import services as stations
from tests.factories import filed, household, resident_id


def _unit(tenant, admin, name: str, staff: int):
    with schema_context(tenant.schema_name):
        unit = Unit.objects.create(
            kind="enterprise", name=name, employee_count=staff, has_union=True, union_is_sound=True,
            above_designated_size=True,
        )  # fmt: skip
        station = stations.save_station(
            admin, tenant, {"unit": unit, "kind": "own", "established_on": date(2022, 5, 1)}
        )
        for i in range(3):
            stations.register_visit(
                admin, tenant, station=station, visitor_name=f"职工{i}", category="living", request="x"
            )
    return unit


@pytest.fixture
def units(standards, tenant_a, tenant_b, persona):
    """Tenant A: 嘉州纺织 (3 filed dossiers), 峨眉机械 (1); tenant B: 沐川竹业 (3). All figures computed."""
    alice, bob = persona("alice"), persona("bob")
    mill = _unit(tenant_a, alice, "嘉州纺织有限公司", 800)
    works = _unit(tenant_a, alice, "峨眉机械厂", 300)
    bamboo = _unit(tenant_b, bob, "沐川竹业公司", 500)
    seq = 100
    for tenant, admin, unit, count in (
        (tenant_a, alice, mill, 3),
        (tenant_a, alice, works, 1),
        (tenant_b, bob, bamboo, 3),
    ):
        for _ in range(count):
            members = household(resident_id(seq=seq), **{"1": {"id_number": resident_id(seq=seq + 1)}})
            dossier = filed(tenant, admin, members=members)
            with schema_context(tenant.schema_name):
                type(dossier).objects.filter(pk=dossier.pk).update(employer=unit)
            seq += 2
    engine.recompute([(t.schema_name, k, s) for t in (tenant_a, tenant_b) for k, s in services.current_periods()])
    return {"mill": mill, "works": works, "bamboo": bamboo}


def _units_section(html: str) -> str:
    start = html.index('<section class="card" id="units">')
    return html[start : html.index("</section>", start)]


def test_a_union_sees_its_own_units_and_nothing_of_another(units, tenant_a, tenant_b, persona, client_for):
    html = client_for(tenant_a, persona("alice")).get("/rollups/own/").content.decode()
    section = _units_section(html)
    assert "嘉州纺织有限公司" in section and "峨眉机械厂" in section
    assert "沐川竹业公司" not in html
    row = section[section.index("嘉州纺织有限公司") :].split("</tr>")[0]
    assert "<td>1</td>" in row and "<td>3</td>" in row  # one station; 3 filed, 3 in all, 3 records
    assert "&lt; 3" in section[section.index("峨眉机械厂") :].split("</tr>")[0]  # one dossier: suppressed
    mine = client_for(tenant_b, persona("bob")).get("/rollups/own/").content.decode()
    assert "沐川竹业公司" in _units_section(mine) and "嘉州纺织有限公司" not in mine
    # A unit of its own opens; another union's unit does not exist here.
    client = client_for(tenant_a, persona("alice"))
    assert client.get(f"/rollups/own/units/{units['mill'].pk}/").status_code == 200
    assert client.get(f"/rollups/own/units/{units['bamboo'].pk + 1000}/").status_code == 404
    export = client.get("/rollups/own/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    # Station staff keep to their station: the union's figures are not theirs to see.
    assert client_for(tenant_a, persona("amy")).get("/rollups/own/").status_code == 404


def test_the_municipal_union_drills_down_from_a_union_to_a_unit(
    units, tenant_a, tenant_b, municipal, persona, client_for
):
    client = client_for(municipal, persona("mayor"))
    html = client.get(f"/rollups/unions/{tenant_a.pk}/").content.decode()
    section = _units_section(html)
    link = f"/rollups/unions/{tenant_a.pk}/units/{units['mill'].pk}/"
    assert link in section and "沐川竹业公司" not in html
    detail = client.get(link).content.decode()
    assert "嘉州纺织有限公司" in detail and "<td>3</td>" in detail
    # A unit id that is tenant B's is no unit of tenant A (ids are per schema: ask for one A does not have).
    missing = max(units["mill"].pk, units["works"].pk, units["bamboo"].pk) + 1000
    assert client.get(f"/rollups/unions/{tenant_a.pk}/units/{missing}/").status_code == 404
    # The county cannot use the municipal drill-down.
    assert client_for(tenant_a, persona("alice")).get(link).status_code == 404
