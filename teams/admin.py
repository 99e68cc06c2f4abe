from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: F401 (registers it first)
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from teams.forms import AdminLoginForm
from teams.locking import VersionedModel
from teams.models import (
    Area,
    Member,
    Presence,
    SixHavesCheck,
    SixHavesItem,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
)
from teams.permissions import may

admin.site.login_form = AdminLoginForm
admin.site.site_header = _("Township assistance teams administration")
admin.site.site_title = _("Township assistance teams")


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw id field names the chosen row only when the user may see it: the id can come from
    anyone's typing or from the add page's URL (``?household=123``)."""

    def __init__(self, rel, admin_site, queryset, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        if not self.queryset.filter(**{self.rel.get_related_field().name: value}).exists():
            return "", ""
        return super().label_and_url_for_value(value)


class ScopedRights:
    """What the scoped admins and their inlines share: the choices of related rows go through
    ``visible_to``; county offices change the data of their county, city and province offices
    read, superusers maintain everything."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = db_field.remote_field.model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            kwargs["queryset"] = queryset.visible_to(request.user)
            if db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    kwargs["queryset"],
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = db_field.remote_field.model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            kwargs["queryset"] = queryset.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and may(request.user, "create_teams")

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class VersionCheckedForm(forms.ModelForm):
    """The admin form of a versioned model (`teams.locking`): refused when somebody changed the
    record after it was shown (templates/admin/change_form.html carries the version)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, label="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") != self.instance.version:
            raise ValidationError(
                _(
                    "Someone else changed this record after you opened it; nothing was saved. "
                    "Open it again to see their changes and make yours."
                )
            )
        return cleaned


class ScopedAdmin(ScopedRights, SimpleHistoryAdmin):
    """The admin side of the one scoping mechanism.

    Rows and the choices of related fields go through ``visible_to``; a row outside the user's
    scope is a 404. County offices change the data of their county; city and province offices
    read; superusers maintain everything.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fields(self, request, obj=None):
        # The version goes in a hidden input of its own (templates/admin/change_form.html).
        return [name for name in super().get_fields(request, obj) if name != "version"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if issubclass(self.model, VersionedModel):
            return type(form.__name__, (VersionCheckedForm, form), {})
        return form

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    # simple-history finds the rows of its two history pages without get_queryset (so that
    # deleted rows keep a history): without this check they show other counties' rows.
    # Models without HistoricalRecords (areas, users) fall back to Django's own history page.
    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        if not self.keeps_history:
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        if not self.keeps_history:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    @property
    def keeps_history(self):
        return hasattr(self.model._meta, "simple_history_manager_attribute")


class ScopedInline(ScopedRights, admin.TabularInline):
    """An inline of a scoped admin, with the same rights (not Django's per-model permissions,
    which office accounts do not have)."""


class ReferenceAdmin(ScopedAdmin):
    """Reference data shared by every county: read by all staff, changed by superusers."""

    def get_queryset(self, request):
        return super(ScopedAdmin, self).get_queryset(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(Area)
class AreaAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ScopedAdmin):
    list_display = ["username", "first_name", "role", "area", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Scope"), {"fields": ["role", "area"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Scope"), {"fields": ["role", "area"]}),
    ]
    raw_id_fields = ["area"]

    def has_change_permission(self, request, obj=None):
        # Accounts carry scopes and privileges: only superusers hand them out.
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "level", "has_poor_village_assignment", "head", "area"]
    list_filter = ["level", "has_poor_village_assignment"]
    search_fields = ["name", "head"]

    def has_change_permission(self, request, obj=None):
        """A county office sees the city's and the province's units (their cadres are stationed
        in its townships) but changes or deletes only the units of its own county."""
        user = request.user
        within = obj is None or user.is_superuser or (obj.area_id or "").startswith(user.area_id)
        return within and super().has_change_permission(request, obj)


class MemberInline(ScopedInline):
    model = Member
    extra = 0
    fields = ["name", "role", "source", "post", "unit", "duties", "phone", "joined", "left"]


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["township", "established", "office_phone"]
    search_fields = ["township__name", "township__code"]
    date_hierarchy = "established"
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ["name", "team", "role", "source", "post", "unit", "joined", "left"]
    list_filter = ["role", "source", "unit__level"]
    search_fields = ["name", "post", "unit__name", "team__township__name"]
    list_select_related = ["team__township", "unit"]


@admin.register(VillageWorkTeam)
class VillageWorkTeamAdmin(ScopedAdmin):
    list_display = ["village", "unit", "captain", "arrived"]
    search_fields = ["village__name", "captain", "unit__name"]
    list_select_related = ["village", "unit"]


class AttachmentInline(ScopedInline):
    """Attachments are uploaded on the record's page, which checks the file; the admin lists and
    deletes them, and opens them through the scoped download view (MEDIA_URL is never served:
    the files live outside the web root, so the file field's own link would lead nowhere)."""

    model = WorkRecordAttachment
    extra = 0
    fields = ["download", "size", "uploaded_at"]
    readonly_fields = ["download", "size", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, attachment):
        return format_html('<a href="{}">{}</a>', attachment.get_absolute_url(), attachment.name)


@admin.register(WorkRecord)
class WorkRecordAdmin(ScopedAdmin):
    list_display = ["date", "kind", "title", "team"]
    list_filter = ["kind"]
    search_fields = ["title", "content", "team__township__name"]
    date_hierarchy = "date"
    list_select_related = ["team__township"]
    filter_horizontal = ["attendees"]
    raw_id_fields = ["created_by"]
    inlines = [AttachmentInline]


@admin.register(SixHavesItem)
class SixHavesItemAdmin(ReferenceAdmin):
    list_display = ["name", "description", "order"]


@admin.register(SixHavesCheck)
class SixHavesCheckAdmin(ScopedAdmin):
    list_display = ["team", "item", "met", "checked_on", "checked_by"]
    list_filter = ["item", "met"]
    search_fields = ["team__township__name", "evidence"]
    date_hierarchy = "checked_on"
    list_select_related = ["team__township", "item", "checked_by"]
    raw_id_fields = ["checked_by"]


@admin.register(WorkGroup)
class WorkGroupAdmin(ScopedAdmin):
    list_display = ["name", "team"]
    search_fields = ["name", "team__township__name"]
    list_select_related = ["team__township"]
    filter_horizontal = ["members", "villages"]


@admin.register(Presence)
class PresenceAdmin(ScopedAdmin):
    list_display = ["member", "month", "days_on_site", "entered_by"]
    search_fields = ["member__name", "member__unit__name"]
    date_hierarchy = "month"
    list_select_related = ["member", "entered_by"]
    raw_id_fields = ["entered_by"]


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """Who has a two-factor device, and the way to remove a lost phone's: its user enrols a new
    one at the next login. The key and the QR code never show here (upstream's admin offers
    both, in English)."""

    list_display = ["owner", "label", "is_confirmed", "created", "last_used"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    search_help_text = _("Search by username.")
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("user"), ordering="user__username")
    def owner(self, device):
        return device.user

    @admin.display(description=_("device name"))
    def label(self, device):
        return device.name

    @admin.display(description=_("confirmed"), boolean=True)
    def is_confirmed(self, device):
        return device.confirmed

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, device):
        return device.created_at

    @admin.display(description=_("last used at"))
    def last_used(self, device):
        return device.last_used_at or self.get_empty_value_display()
