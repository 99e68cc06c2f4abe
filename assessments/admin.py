from django.contrib import admin

from assessments.models import (
    CadreAssessment,
    ExitReview,
    ExitStep,
    ExitTarget,
    Inspection,
    Outcome,
    Rectification,
    TeamAssessment,
)
from teams.admin import ScopedAdmin


@admin.register(ExitTarget)
class ExitTargetAdmin(ScopedAdmin):
    list_display = ["township", "year", "households"]
    list_filter = ["year"]


class ExitStepInline(admin.TabularInline):
    model = ExitStep
    extra = 0
    readonly_fields = ["step", "date", "responsible", "outcome", "note", "recorded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExitReview)
class ExitReviewAdmin(ScopedAdmin):
    """Exits are recorded step by step on the exit review page; the admin reads them."""

    list_display = ["household", "year", "per_capita", "exit_line", "proposed_on"]
    list_filter = ["year"]
    search_fields = ["household__number"]
    readonly_fields = ["household", "year", "per_capita", "exit_line", "proposed_on"]
    inlines = [ExitStepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TeamAssessment)
class TeamAssessmentAdmin(ScopedAdmin):
    list_display = ["team", "year", "score", "grade"]
    list_filter = ["year", "grade"]
    raw_id_fields = ["team"]


@admin.register(CadreAssessment)
class CadreAssessmentAdmin(ScopedAdmin):
    list_display = ["member", "year", "score", "grade"]
    list_filter = ["year", "grade"]
    raw_id_fields = ["member"]


@admin.register(Outcome)
class OutcomeAdmin(ScopedAdmin):
    list_display = ["kind", "team", "member", "date", "deadline", "closed_on"]
    list_filter = ["kind", "year"]
    raw_id_fields = ["team", "member"]


class RectificationInline(admin.TabularInline):
    model = Rectification
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    list_display = ["team", "date", "kind", "inspectors"]
    list_filter = ["kind"]
    raw_id_fields = ["team"]
    inlines = [RectificationInline]


@admin.register(Rectification)
class RectificationAdmin(ScopedAdmin):
    list_display = ["item", "inspection", "owner", "deadline", "closed_on"]
    list_filter = ["closed_on"]
    raw_id_fields = ["inspection"]
