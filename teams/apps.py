from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Teams and areas")

    def ready(self):
        from teams import two_factor  # noqa: F401  (connects its user_logged_in receiver)
