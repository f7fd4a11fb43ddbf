from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from tenants.provisioning import get_or_create_admin_user, provision_tenant


class Command(BaseCommand):
    help = "Create a tenant by cloning the template schema (atomic: it exists fully or not at all)."

    def add_arguments(self, parser):
        parser.add_argument("short_code", help="lowercase letters and digits; the host is <short_code>.<base domain>")
        parser.add_argument("name", help="the union's name in Chinese")
        parser.add_argument("--kind", choices=Tenant.Kind.values, default=Tenant.Kind.COUNTY)
        parser.add_argument("--parent", help="short code of the parent tenant")
        parser.add_argument("--division-code", default="")
        parser.add_argument("--admin", help="username of the first administrator (created when new)")
        parser.add_argument("--admin-password", help="password for a newly created administrator")
        parser.add_argument("--plugin", action="append", dest="plugins", help="plugin slug to activate (repeat)")

    def handle(self, *args, **opts):
        parent = None
        if opts["parent"]:
            parent = Tenant.objects.filter(short_code=opts["parent"]).first()
            if parent is None:
                raise CommandError(f"parent tenant {opts['parent']!r} does not exist")
        admin = None
        try:
            if opts["admin"]:
                admin, created = get_or_create_admin_user(opts["admin"], password=opts["admin_password"])
            tenant = provision_tenant(
                name=opts["name"],
                short_code=opts["short_code"],
                kind=opts["kind"],
                parent=parent,
                division_code=opts["division_code"],
                admin=admin,
                plugins=opts["plugins"],
                progress=lambda step: self.stdout.write(f"  {step}"),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"error": exc.messages}
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())) from None
        self.stdout.write(self.style.SUCCESS(f"created {tenant.name} in schema {tenant.schema_name}"))
