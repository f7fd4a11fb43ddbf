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
