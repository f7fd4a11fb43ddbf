"""Short assertions that the other tenant sees nothing of a tenant's data: its rows are not in the other schema,
its pages and API answers are not on the other tenant's host."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context


def assert_absent_from(tenant, model, **lookup) -> None:
    """No row of `model` matching `lookup` in `tenant`'s schema (the query runs there, whatever the current one)."""
    previous = connection.schema_name
    with schema_context(tenant.schema_name):
        found = list(model._default_manager.filter(**lookup).values_list("pk", flat=True)[:5])
    assert connection.schema_name == previous
    assert not found, f"{model.__name__} {lookup} found in {tenant.schema_name}: {found}"


def assert_present_in(tenant, model, **lookup) -> None:
    """The counterpart, so that an absence elsewhere is not that of a row that never existed."""
    with schema_context(tenant.schema_name):
        assert model._default_manager.filter(**lookup).exists(), (
            f"{model.__name__} {lookup} not in {tenant.schema_name}"
        )


def assert_only_in(tenant, other, model, **lookup) -> None:
    """The row is in `tenant`'s schema and not in `other`'s."""
    assert_present_in(tenant, model, **lookup)
    assert_absent_from(other, model, **lookup)


def assert_not_listed(client, url: str, *texts: str, status: int = 200) -> None:
    """`url` on the client's host answers `status` and shows none of `texts` (names of the other tenant's data)."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    body = response.content.decode()
    shown = [text for text in texts if text in body]
    assert not shown, f"{url} on {client.defaults.get('HTTP_HOST')} shows {shown}"


def assert_not_found(client, *urls: str) -> None:
    """Each of `urls` (the other tenant's objects) answers 404 on the client's host."""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, (url, client.defaults.get("HTTP_HOST"), response.status_code)


def guard(client, texts, *, also=()):
    """Make every answer `client` gets (GET and POST, followed redirects included) fail the test if it shows one of
    `texts` — the other tenant's names — so that every page a test visits on this host is checked, not only the
    ones it remembered to check. `also`: more texts added later (a list the test may extend)."""
    texts = tuple(texts)
    extra = also

    def check(response):
        content_type = response.get("Content-Type", "")
        if not getattr(response, "streaming", False) and ("html" in content_type or "json" in content_type):
            body = response.content.decode(errors="replace")
            shown = [text for text in (*texts, *extra) if text in body]
            assert not shown, f"{response.request.get('PATH_INFO')} shows the other tenant's {shown}"
        return response

    for verb in ("get", "post"):
        method = getattr(client, verb)

        def checked(*args, _method=method, **kwargs):
            return check(_method(*args, **kwargs))

        setattr(client, verb, checked)
    client.guarded = texts
    return client
