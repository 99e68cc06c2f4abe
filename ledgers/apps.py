from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("Assistance ledgers")

    def ready(self):
        from teams.attachments import delete_stored_files

        post_delete.connect(delete_stored_files, sender="ledgers.VisitPhoto")
