"""`manage.py reset_two_factor <username>`: remove a user's two-factor devices (a lost phone).

The user's next login asks for the password only; whoever must use two-factor sign-in is sent to enrolment again.
The user's API tokens are dropped too (they were issued with the lost device).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Remove a user's two-factor sign-in devices (e.g. after a lost phone) and their API tokens."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        self.stdout.write(f"{username}: {removed} two-factor device(s) removed; the next login sets it up again")
