"""The list pages of the page kit (``core.pages.ListPage`` with a django-filter FilterSet each): filters in a bar,
sorting by whitelisted columns only, pagination that keeps the filters and the sort, and the total count.

Every test builds rows on tenant A and tenant B and checks that B's never show on A's host (and the reverse)."""

from __future__ import annotations

import re

import pytest

from tests.test_dossiers_pages import EN, build_world, move_ids_apart, page


@pytest.fixture
def dossier_worlds(tenant_a, tenant_b, persona):
    a = build_world(tenant_a, persona("alice"), "甲", "511102")
    move_ids_apart(tenant_b)
    return a, build_world(tenant_b, persona("bob"), "乙", "510104")


def applicants_in_order(text: str, label: str) -> list[str]:
    return re.findall(rf"<td>({label}建国\d+)</td>", text)


def test_dossier_list_filters_sorts_pages_and_counts_on_one_tenant_only(
    dossier_worlds, tenant_a, tenant_b, client_for, persona, monkeypatch
):
    a, b = dossier_worlds
    alice = client_for(tenant_a, persona("alice"), **EN)
    text = page(alice.get("/dossiers/"))
    assert "3 rows" in text and 'id="list-bar"' in text
    for name in b.names:
        assert name not in text

    assert applicants_in_order(page(alice.get("/dossiers/", {"sort": "pk"})), "甲") == [
        "甲建国100",
        "甲建国200",
        "甲建国300",
    ]
    assert applicants_in_order(page(alice.get("/dossiers/", {"sort": "-pk"})), "甲") == [
        "甲建国300",
        "甲建国200",
        "甲建国100",
    ]
    # Only whitelisted columns sort: another name falls back to the default order instead of reaching order_by.
    assert alice.get("/dossiers/", {"sort": "members__id_number"}).status_code == 200

    filed = page(alice.get("/dossiers/", {"status": "filed", "sort": "pk"}))
    assert "1 row" in filed and applicants_in_order(filed, "甲") == ["甲建国300"]
    # The sort links keep the filters and start again at page 1.
    assert "?status=filed&amp;sort=-pk" in filed

    monkeypatch.setattr("dossiers.views.PAGE_SIZE", 2)
    first = page(alice.get("/dossiers/", {"sort": "pk", "tier": ""}))
    assert applicants_in_order(first, "甲") == ["甲建国100", "甲建国200"] and "3 rows" in first
    assert "page=2" in first and "sort=pk" in re.search(r'href="([^"]*page=2[^"]*)"', first).group(1)
    second = page(alice.get("/dossiers/", {"sort": "pk", "page": 2}))
    assert applicants_in_order(second, "甲") == ["甲建国300"]

    bob_text = page(client_for(tenant_b, persona("bob"), **EN).get("/dossiers/", {"sort": "pk"}))
    assert applicants_in_order(bob_text, "乙") == ["乙建国100", "乙建国200"] and "3 rows" in bob_text
    for name in a.names:
        assert name not in bob_text


# ------------------------------------------------------------------------------------------------- stations
@pytest.fixture
def station_worlds(tenant_a, tenant_b, persona):
    from tests import test_stations_pages as stations_pages

    a = stations_pages.build_world(tenant_a, persona("alice"), "甲")
    stations_pages.move_ids_apart(tenant_b)
    return a, stations_pages.build_world(tenant_b, persona("bob"), "乙")


def station_names_in_order(text: str) -> list[str]:
    return re.findall(r'<td><a href="/stations/\d+/">([^<]+)</a>', text)


def test_station_list_filters_sorts_pages_and_counts_on_one_tenant_only(
    station_worlds, tenant_a, tenant_b, client_for, persona, monkeypatch
):
    a, b = station_worlds
    alice = client_for(tenant_a, persona("alice"), **EN)
    text = page(alice.get("/stations/"))
    assert "3 rows" in text
    by_name = sorted([a.host.name, a.own.name, a.attached.name])
    assert station_names_in_order(text) == by_name  # by name unless asked otherwise
    assert station_names_in_order(page(alice.get("/stations/", {"sort": "-name"}))) == by_name[::-1]
    for name in b.names:
        assert name not in text

    attached = page(alice.get("/stations/", {"kind": "attached"}))
    assert "1 row" in attached and station_names_in_order(attached) == [a.attached.name]
    assert "?kind=attached&amp;sort=kind" in attached  # the sort links keep the filter

    monkeypatch.setattr("stations.views.PAGE_SIZE", 2)
    first = page(alice.get("/stations/"))
    assert station_names_in_order(first) == by_name[:2] and "3 rows" in first and "page=2" in first
    assert station_names_in_order(page(alice.get("/stations/", {"page": 2}))) == by_name[2:]

    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/stations/", {"page": 2}))
    assert station_names_in_order(text_b) == sorted([b.host.name, b.own.name, b.attached.name])[2:]
    for name in a.names:
        assert name not in text_b


def test_reception_register_filters_sorts_and_counts_on_one_tenant_only(
    station_worlds, tenant_a, tenant_b, client_for, persona
):
    from django_tenants.utils import schema_context

    from stations import services

    a, b = station_worlds
    with schema_context(tenant_a.schema_name):
        fresh = services.register_visit(
            persona("alice"), tenant_a, station=a.host, visitor_name="甲新访客", category="medical", request="y"
        )
    alice = client_for(tenant_a, persona("alice"), **EN)
    text = page(alice.get("/stations/reception/"))
    assert "2 rows" in text
    assert text.index(fresh.visitor_name) < text.index(a.record.visitor_name)  # the latest visit first
    oldest_first = page(alice.get("/stations/reception/", {"sort": "visited_at"}))
    assert oldest_first.index(a.record.visitor_name) < oldest_first.index(fresh.visitor_name)
    for name in b.names:
        assert name not in text

    overdue = page(alice.get("/stations/reception/", {"overdue": "1", "sort": "visited_at"}))
    assert "1 row" in overdue and a.record.visitor_name in overdue and fresh.visitor_name not in overdue
    # The box sends overdue=1 (the name and value the register has always read) and stays ticked.
    box = re.search(r'<input type="checkbox" name="overdue"[^>]*>', overdue).group(0)
    assert 'value="1"' in box and "checked" in box and "?overdue=1&amp;sort=-visited_at" in overdue
    # A station of tenant B is no choice on A: the filter is ignored rather than answering with B's records.
    foreign = page(alice.get("/stations/reception/", {"station": b.own.pk}))
    assert b.record.visitor_name not in foreign and "2 rows" in foreign

    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/stations/reception/"))
    assert "1 row" in text_b and b.record.visitor_name in text_b
    for name in a.names + ("甲新访客",):
        assert name not in text_b


# ----------------------------------------------------------------------------------------------------- units
def unit_names_in_order(text: str) -> list[str]:
    return re.findall(r'padding-left: calc\(\.6rem \+ [0-9.]+em\)">([^<]+)</td>', text)


def test_unit_list_keeps_its_tree_filters_sorts_and_counts_on_one_tenant_only(
    station_worlds, tenant_a, tenant_b, client_for, persona, monkeypatch
):
    a, b = station_worlds
    alice = client_for(tenant_a, persona("alice"), **EN)
    text = page(alice.get("/stations/units/"))
    tree = unit_names_in_order(text)
    assert set(tree) >= {a.township.name, a.enterprise.name, a.small.name, a.lacking.name}
    assert tree.index(a.township.name) < tree.index(a.enterprise.name)  # no sort asked: tree order
    assert f"{len(tree)} rows" in text
    for name in b.names:
        assert name not in text

    by_size = unit_names_in_order(page(alice.get("/stations/units/", {"sort": "-employee_count"})))
    assert by_size[:2] == [a.lacking.name, a.enterprise.name]  # 500, then 350 employees

    failing = page(alice.get("/stations/units/", {"failing": "1", "sort": "name"}))
    assert unit_names_in_order(failing) == [a.lacking.name] and "1 row" in failing
    searched = page(alice.get("/stations/units/", {"q": "小作坊"}))
    assert unit_names_in_order(searched) == [a.small.name]
    assert page(alice.get("/stations/units/", {"q": "乙"})).count("No units.") == 1  # B's names match nothing

    monkeypatch.setattr("stations.views.PAGE_SIZE", 2)
    first = unit_names_in_order(page(alice.get("/stations/units/")))
    second = unit_names_in_order(page(alice.get("/stations/units/", {"page": 2})))
    assert first + second == tree[:4]

    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/stations/units/", {"failing": "1"}))
    assert unit_names_in_order(text_b) == [b.lacking.name]
    for name in a.names:
        assert name not in text_b
