"""The roster import in the admin site, through django-import-export with the same rules.

The resource hands the uploaded sheet to `roster_import`, so the admin checks, plans and
writes exactly as the command and the pages do: all or nothing, every problem with its row.
"""

import tempfile

import tablib
from django.contrib import admin
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import Format
from import_export.resources import ModelResource
from import_export.results import Error, RowResult

from households.models import Person
from households.models.imports import ImportJob
from households.roster import RosterRefused, roster_import
from teams import codes
from teams.admin import ScopedAdmin
from teams.models import Area
from teams.permissions import may


class RosterResource(ModelResource):
    """A whole roster (docs/roster.md) at once; django-import-export only carries the sheet."""

    class Meta:
        model = Person
        fields = []

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        user = kwargs.get("user")
        result = self.get_result_class()()
        with tempfile.NamedTemporaryFile() as file:
            file.write(dataset.upload)  # the file as uploaded (see RosterUpload)
            file.flush()
            try:
                report = roster_import(
                    path=file.name, county=_county(user), user=user, dry_run=dry_run
                )
            except RosterRefused as exc:
                result.append_base_error(Error(ValueError(str(exc))))  # its reason, no traceback
                return result
        for problem in report.problems:
            where = f"第 {problem.row} 行 " if problem.row else ""
            error = ValueError(f"{where}{problem.column}“{problem.value}”：{problem.message}")
            result.append_base_error(Error(error))
        result.totals[RowResult.IMPORT_TYPE_NEW] = report.persons.new
        result.totals[RowResult.IMPORT_TYPE_UPDATE] = report.persons.updated
        result.totals[RowResult.IMPORT_TYPE_SKIP] = report.persons.unchanged
        result.total_rows = report.row_count
        return result


class RosterUpload(Format):
    """The uploaded file, handed over untouched: django-import-export's own reading (every
    sheet whole in memory, before any check) never sees it, and `roster_import` checks and
    reads it as the command and the pages do (.xlsx, .xls, .ods, .csv)."""

    def __init__(self, encoding=None):  # the admin passes its text encoding; bytes need none
        super().__init__()

    def get_title(self):
        return _("Roster (.xlsx, .xls, .ods or .csv)")

    def create_dataset(self, in_stream):
        dataset = tablib.Dataset(["…"], headers=["file"])  # one row: the admin goes on
        dataset.upload = in_stream
        return dataset

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True


def _county(user):
    """The county of a county officer; a superuser's import goes to the county of their area."""
    return Area.objects.get(code=codes.county_of(user.area_id or ""), level=Area.Level.COUNTY)


@admin.register(ImportJob)
class ImportJobAdmin(ImportMixin, ScopedAdmin):
    """Jobs are read here (they come from uploads); another county's job is a 404."""

    resource_classes = [RosterResource]
    import_formats = [RosterUpload]
    list_display = ["file_name", "county", "status", "row_count", "created_by", "created_at"]
    list_filter = ["status"]

    def has_import_permission(self, request):
        return request.user.is_staff and may(request.user, "keep_registry") and request.user.area_id

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
