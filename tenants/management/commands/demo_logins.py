from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.management.commands.seed_demo import DEMO_PASSWORD, admin_username, demo_tenants


class Command(BaseCommand):
    help = "Print the demo's URLs and logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Bangfu demo is running. Open a tenant's address and log in:"))
        for code, name, _kind, _parent, _division in demo_tenants():
            url = f"http://{code}.{settings.BASE_DOMAIN}:{port}/"
            self.stdout.write(f"  {url:<42} {admin_username(code):<20} {DEMO_PASSWORD}   {name}")
        self.stdout.write(
            f"  API docs: http://leshan.{settings.BASE_DOMAIN}:{port}/api/docs/   "
            f"health: http://{settings.BASE_DOMAIN}:{port}/health/"
        )
        self.stdout.write("")
