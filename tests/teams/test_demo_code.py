import base64

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.demo import DEMO_TOTP_SECRET
from tests.factories import UserFactory


def test_demo_code_is_accepted_by_a_demo_device(db, capsys):
    user = UserFactory(username="county_demo", role="county")
    device = TOTPDevice.objects.create(
        user=user, name="demo", key=base64.b32decode(DEMO_TOTP_SECRET).hex(), confirmed=True
    )
    call_command("demo_code")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6
    assert code.isdigit()
    assert device.verify_token(code)
