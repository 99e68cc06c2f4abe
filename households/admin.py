from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.template_utils import HistoricalRecordContextHelper

from households import import_admin  # noqa: F401 (registers the roster import admin)
from households.forms import check_id_number_free
from households.idnumber import mask_id_number, normalise_id_number
from households.models import (
    Access,
    Disclosure,
    Household,
    IdentificationStep,
    ListKind,
    Person,
    ReferenceItem,
    StatusChange,
)
from households.sensitive import mask_account, mask_all, mask_phone
from households.services import log_access
from teams.admin import ReferenceAdmin, ScopedAdmin, ScopedInline

#: The encrypted fields and how the admin shows them: never in full (the reveal page does, logged).
MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_account,
    "health": mask_all,
    "disability_grade": mask_all,
}


class MaskedChangesHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        if change.field in MASKS:
            return MASKS[change.field](value or "")
        return super().prepare_delta_change_value(change, value)


class SensitiveAdmin(ScopedAdmin):
    """A household's personal data in the admin: opening a change page is in the access log,
    like the household's page; the version list shows old and new values masked."""

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedChangesHelper(self.model, historical_record)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change:
            household = obj if isinstance(obj, Household) else obj.household
            log_access(request, Access.Kind.FILE, household)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(ListKind)
class ListKindAdmin(ReferenceAdmin):
    """The kinds of outside list a county matches (七不进, 不漏一户): editable reference data."""

    list_display = ["name", "code", "department", "effect", "proposes_exclusion", "order"]
    list_editable = ["order"]


@admin.register(ReferenceItem)
class ReferenceItemAdmin(ReferenceAdmin):
    list_display = ["name", "kind", "synonyms", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "synonyms"]
    list_editable = ["order", "is_active"]


class PersonInline(ScopedInline):
    # Sensitive values are shown masked; full values go through the logged reveal page.
    model = Person
    extra = 0
    fields = ["name", "masked_id_number", "relation", "education", "masked_health"]
    readonly_fields = ["masked_id_number", "masked_health"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(SensitiveAdmin):
    list_display = ["number", "village", "attribute", "main_cause", "contact_cadre", "status"]
    list_filter = ["status", "attribute", "main_cause", "housing"]
    search_fields = ["number", "village__name", "persons__name"]
    list_select_related = ["village", "attribute", "main_cause", "contact_cadre"]
    raw_id_fields = ["village", "contact_cadre"]
    # Status and contact cadre change through their workflows (services), which record them.
    readonly_fields = [
        "status",
        "status_since",
        "registered_on",
        "exited_on",
        "contact_cadre",
        "masked_phone",
        "masked_bank_account",
    ]
    exclude = ["phone", "bank_account"]
    inlines = [PersonInline]


class PersonAdminForm(forms.ModelForm):
    """The number is checked as on the pages (the database constraint is on its hash,
    which the form does not hold: a duplicate was a 500)."""

    def clean(self):
        cleaned = super().clean()
        value, household = cleaned.get("id_number"), cleaned.get("household")
        if value and household:
            try:
                value, _repairs = normalise_id_number(value)
                check_id_number_free(value, user=self.user, household=household)
            except ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                cleaned["id_number"] = value
        return cleaned


@admin.register(Person)
class PersonAdmin(SensitiveAdmin):
    form = PersonAdminForm
    list_display = ["name", "masked_id_number", "household", "relation", "sex", "age"]
    list_filter = ["sex", "relation", "dibao", "wubao"]
    search_fields = ["name", "household__number"]
    list_select_related = ["household", "relation"]
    raw_id_fields = ["household"]
    readonly_fields = ["masked_id_number", "masked_health"]

    def get_exclude(self, request, obj=None):
        # Sensitive values are typed when a person is added, never shown again here (the
        # person page changes them without showing them).
        return ["id_number", "health", "disability_grade"] if obj else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form


@admin.register(StatusChange)
class StatusChangeAdmin(ScopedAdmin):
    list_display = ["household", "old_status", "new_status", "date", "reason", "recorded_by"]
    list_filter = ["new_status"]
    list_select_related = ["household", "recorded_by"]

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(IdentificationStep)
class IdentificationStepAdmin(ScopedAdmin):
    list_display = ["household", "step", "date", "responsible", "outcome"]
    list_filter = ["step", "outcome"]
    list_select_related = ["household"]

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Access)
class AccessAdmin(ScopedAdmin):
    """The access log, for the county office: who opened which household's pages, when."""

    list_display = ["at", "actor", "kind", "household_number", "area_code", "path"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor", "household_number", "area_code"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Disclosure)
class DisclosureAdmin(ScopedAdmin):
    list_display = ["at", "actor", "action", "record", "field", "reason", "area_code"]
    list_filter = ["action"]
    search_fields = ["actor", "record", "reason"]

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission
