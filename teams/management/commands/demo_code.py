import base64

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from teams.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo office accounts (admin, province, city, "
        "county), whose demo-only secret is published in the README. Real accounts have their "
        "own secrets, which this command cannot know."
    )

    def handle(self, *args, **options):
        code = totp(base64.b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{code:06d}")
