from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Teams and areas")

    def ready(self):
        from teams import two_factor  # noqa: F401  (connects its user_logged_in receiver)
        from teams.attachments import delete_stored_files

        # A signal rather than Model.delete(): bulk and cascading deletes send it too.
        post_delete.connect(delete_stored_files, sender="teams.WorkRecordAttachment")
