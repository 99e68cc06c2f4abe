from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ledgers.models import (
    Guarantee,
    Income,
    Measure,
    MeasureCategory,
    OverBudgetAttempt,
    Payment,
    Plan,
    PovertyStandard,
    Project,
    ProjectBudget,
    Visit,
)
from teams.admin import ReferenceAdmin, ScopedAdmin, ScopedInline


@admin.register(PovertyStandard)
class PovertyStandardAdmin(ReferenceAdmin):
    list_display = ["year", "poverty_line", "exit_line", "note"]


@admin.register(MeasureCategory)
class MeasureCategoryAdmin(ReferenceAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]


class LedgerAdmin(ScopedAdmin):
    """Ledger rows: the household is chosen by number (thousands per county)."""

    raw_id_fields = ["household"]
    search_fields = ["household__number"]

    def save_model(self, request, obj, form, change):
        # The admin has no version field to compare, but its saves count as changes: an edit
        # form opened on a page before this save is refused afterwards.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Plan)
class PlanAdmin(LedgerAdmin):
    list_display = ["household", "kind", "year", "responsible", "agreed_on"]
    list_filter = ["kind", "year"]
    list_select_related = ["household", "responsible"]


@admin.register(Measure)
class MeasureAdmin(LedgerAdmin):
    list_display = ["household", "category", "date", "amount", "status", "responsible"]
    list_filter = ["category", "status"]
    list_select_related = ["household", "category", "responsible"]
    date_hierarchy = "date"


@admin.register(Visit)
class VisitAdmin(LedgerAdmin):
    list_display = ["household", "date", "cadre"]
    list_select_related = ["household", "cadre"]
    date_hierarchy = "date"
    # Photos are added on the ledger page, which checks them, and opened through the scoped
    # view: MEDIA_URL is never served (the files live outside the web root). What the phone
    # recorded in each (time, place) is evidence, shown and not edited.
    readonly_fields = ["download"]

    @admin.display(description=_("photo evidence"))
    def download(self, visit):
        return (
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}">{}</a> {} {}',
                (
                    (
                        reverse("ledgers:visit_photo", args=[photo.pk]),
                        _("Open the photo"),
                        f"{timezone.localtime(photo.taken_at):%Y-%m-%d %H:%M}"
                        if photo.taken_at
                        else "",
                        f"{photo.latitude}, {photo.longitude}"
                        if photo.latitude is not None
                        else "",
                    )
                    for photo in visit.photos.all()
                ),
            )
            # A read-only callable's None would show as "None".
            or self.get_empty_value_display()
        )


@admin.register(Income)
class IncomeAdmin(LedgerAdmin):
    list_display = ["household", "year", "household_size", "per_capita"]
    list_filter = ["year"]
    list_select_related = ["household"]


@admin.register(Guarantee)
class GuaranteeAdmin(LedgerAdmin):
    list_display = ["household", "year", "education", "medical", "housing", "water"]
    list_filter = ["year", "education", "medical", "housing", "water"]
    list_select_related = ["household"]


class ProjectBudgetInline(ScopedInline):
    """Shown only: budgets are set on the project page, which refuses one below its payments."""

    model = ProjectBudget
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ["name", "township", "category", "status", "starts_on", "ends_on"]
    list_filter = ["category", "status"]
    list_select_related = ["township"]
    search_fields = ["name"]
    raw_id_fields = ["beneficiaries", "plans"]
    inlines = [ProjectBudgetInline]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class RecordAdmin(ScopedAdmin):
    """Payments and refused attempts are written by `ledgers.funds` alone and never changed:
    the admin shows them (a wrong payment is corrected by a reversal on the project page)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(RecordAdmin):
    list_display = ["date", "project", "source", "payee", "household", "voucher", "amount"]
    list_filter = ["source"]
    list_select_related = ["project", "household"]
    search_fields = ["project__name", "payee", "voucher"]
    date_hierarchy = "date"


@admin.register(OverBudgetAttempt)
class OverBudgetAttemptAdmin(RecordAdmin):
    list_display = ["attempted_at", "project", "source", "amount", "budget", "paid", "attempted_by"]
    list_select_related = ["project", "attempted_by"]
