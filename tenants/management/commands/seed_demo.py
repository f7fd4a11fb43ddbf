"""Seed the Leshan demo: the municipal union, its counties and districts, the high-tech zone and one enterprise
group, each with a demo administrator. Idempotent: tenants that exist are kept, so a second run is quick."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from core.plugins import active_apps
from core.roles import Role
from tenants.models import Membership, Tenant
from tenants.provisioning import ensure_template, get_or_create_admin_user, provision_tenant

DEMO_PASSWORD = "bangfu-demo-2026"

MUNICIPAL = ("leshan", "乐山市总工会", "511100")
COUNTIES = [
    ("shizhong", "市中区总工会", "511102"),
    ("shawan", "沙湾区总工会", "511111"),
    ("wutongqiao", "五通桥区总工会", "511112"),
    ("jinkouhe", "金口河区总工会", "511113"),
    ("qianwei", "犍为县总工会", "511123"),
    ("jingyan", "井研县总工会", "511124"),
    ("jiajiang", "夹江县总工会", "511126"),
    ("muchuan", "沐川县总工会", "511129"),
    ("ebian", "峨边彝族自治县总工会", "511132"),
    ("mabian", "马边彝族自治县总工会", "511133"),
    ("emeishan", "峨眉山市总工会", "511181"),
    ("gaoxinqu", "乐山高新区总工会", ""),
]
ENTERPRISE_GROUP = ("lsjiaotou", "乐山市交通投资集团工会", "")
# Tenants that get lived-in data (stations, reception, funds, dossiers); the others start empty, which keeps the
# first `make demo` well under two minutes.
LIVED_IN = ("shizhong", "emeishan", "lsjiaotou")  # the first is the demo county with the most dossiers


def demo_tenants():
    """(short_code, name, kind, parent short code, division code) in creation order."""
    yield MUNICIPAL[0], MUNICIPAL[1], Tenant.Kind.MUNICIPAL, None, MUNICIPAL[2]
    for code, name, division in COUNTIES:
        yield code, name, Tenant.Kind.COUNTY, MUNICIPAL[0], division
    yield ENTERPRISE_GROUP[0], ENTERPRISE_GROUP[1], Tenant.Kind.ENTERPRISE_GROUP, MUNICIPAL[0], ENTERPRISE_GROUP[2]


def index_of(short_code: str) -> int:
    return [code for code, *_rest in demo_tenants()].index(short_code)


def admin_username(short_code: str) -> str:
    return f"{short_code}-admin"


class Command(BaseCommand):
    help = "Create the Leshan demo tenants and their demo administrators (kept on later runs)."

    def handle(self, *args, **options):
        ensure_template()
        created = 0
        for code, name, kind, parent_code, division in demo_tenants():
            with transaction.atomic():
                admin, _new = get_or_create_admin_user(admin_username(code), password=DEMO_PASSWORD)
                admin.full_name = f"{name}管理员"
                admin.save(update_fields=["full_name"])
            tenant = Tenant.objects.filter(short_code=code).first()
            if tenant is None:
                parent = Tenant.objects.get(short_code=parent_code) if parent_code else None
                tenant = provision_tenant(
                    name=name, short_code=code, kind=kind, parent=parent, division_code=division, admin=admin
                )
                created += 1
                self.stdout.write(f"  created {name} ({tenant.schema_name})")
            Membership.objects.get_or_create(user=admin, tenant=tenant, defaults={"role": Role.TENANT_ADMIN})
            if code in LIVED_IN:
                self.seed_tenant_data(tenant, admin, seed=index_of(code))
        self.stdout.write(self.style.SUCCESS(f"demo ready: {created} tenant(s) created, the others kept"))

    def seed_tenant_data(self, tenant, admin, *, seed: int) -> None:
        """Lived-in data for the LIVED_IN tenants (kept when it exists): every app active on the tenant, core or
        plugin, that has a demo hook (``demo.seed``) adds its part, in app order."""
        scale = 1.0 if tenant.short_code == LIVED_IN[0] else 1 / 8
        counts: dict[str, int] = {}
        with schema_context(tenant.schema_name):
            for app in active_apps(tenant):
                if app.demo_seed is not None:
                    counts.update(app.demo_seed(tenant, admin, seed=seed, scale=scale) or {})
        if counts:
            self.stdout.write(f"  seeded {tenant.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
