import calendar
import itertools
import math
from datetime import timedelta

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.addresses import client_ip
from teams.attachments import extension, validate_attachment
from teams.locking import save_versioned
from teams.models import (
    Area,
    Member,
    SixHavesCheck,
    Team,
    Unit,
    User,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
)
from teams.photos import PhotoError, without_metadata

#: An <input type=date> reads only ISO dates; the Chinese locale would write 2017/03/01, which the
#: browser drops, leaving a required date blank.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GroupedIterator(ModelChoiceIterator):
    """A choice field's options under one heading per group (<optgroup>), the groups in the
    queryset's order: ``field.group(obj)`` names the group of each option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for group, objects in itertools.groupby(self.queryset, key=self.field.group):
            yield (group, [self.choice(obj) for obj in objects])


def group_choices(field, group, *order, related=()):
    """Show ``field``'s options grouped by ``group`` (a function of an option), ordered by
    ``order`` (group first); ``related`` are the relations ``group`` and the labels read."""
    field.iterator = GroupedIterator
    field.group = group
    # Setting the queryset hands the widget its choices: after the iterator.
    field.queryset = field.queryset.select_related(*related).order_by(*order)


def group_villages(field):
    """Villages under their township, in code order: a county has hundreds of villages and the
    same village name in several townships."""
    group_choices(
        field, lambda village: village.parent.name, "parent__code", "code", related=["parent"]
    )


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose choices of related rows are narrowed to the user's scope."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                field.queryset = queryset.visible_to(user)


class VersionedForm(ScopedModelForm):
    """A scoped ModelForm whose save refuses stale edits (raises EditConflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, label="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def save(self, commit=True):
        """Save, refusing a stale edit; with ``commit=False`` the caller saves (a new record
        that a service completes)."""
        instance = super().save(commit=False)
        if not commit:
            return instance
        if instance._state.adding:
            instance.save()
        else:
            save_versioned(instance, version=self.cleaned_data["version"] or 0)
        self.save_m2m()
        return instance


class TeamForm(VersionedForm):
    class Meta:
        model = Team
        fields = [
            "township",
            "established",
            "office_address",
            "office_phone",
            "tasks",
            "work_rules",
            "discipline_rules",
            "fund_rules",
        ]
        widgets = {"established": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["township"]
        else:
            self.fields["township"].queryset = self.fields["township"].queryset.filter(
                level=Area.Level.TOWNSHIP, team__isnull=True
            )


class MemberForm(VersionedForm):
    #: Shown (as a box to tick) only when the team already has a serving member of that name.
    same_name = forms.BooleanField(
        label=_("This is another person of the same name"),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "role",
            "source",
            "post",
            "unit",
            "duties",
            "tasks",
            "board_order",
            "phone",
            "joined",
            "left",
            "user",
        ]
        widgets = {
            "joined": DATE,
            "left": DATE,
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        self.fields["board_order"].required = False
        self.fields["unit"].queryset = Unit.objects.visible_to(self.user)
        self.fields["user"].queryset = User.objects.visible_to(self.user).filter(
            area__code__startswith=team.township_id
        )
        self.fields["user"].help_text = _("The login account of this member, if any.")

    def clean_board_order(self):
        return self.cleaned_data["board_order"] or 0

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        twin = (
            self.instance.team.members.current()
            .filter(name=name)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if twin and not cleaned.get("same_name"):
            # The same member entered twice passed without a word.
            self.fields["same_name"].widget = forms.CheckboxInput()
            post = twin.post or twin.get_role_display()
            self.add_error(
                "name",
                _(
                    "%(name)s already serves in this team (%(post)s, since %(joined)s). If this "
                    "is another person, tick the box below."
                )
                % {"name": name, "post": post, "joined": twin.joined},
            )
        return cleaned

    def _get_validation_exclusions(self):
        # The team is set by the view, not the form, but the one-leader and one-deputy
        # constraints involve it: validate them here to show a message instead of a crash.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("team")
        return exclusions


class WorkRecordForm(VersionedForm):
    class Meta:
        model = WorkRecord
        fields = ["date", "kind", "title", "attendees", "content", "decisions"]
        widgets = {
            "date": DATE,
            "attendees": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        # The team's current members, and whoever attended before leaving the team.
        attended = self.instance.attendees.all() if self.instance.pk else Member.objects.none()
        self.fields["attendees"].queryset = (
            self.fields["attendees"]
            .queryset.filter(team=team)
            .filter(Q(left__isnull=True) | Q(pk__in=attended))
        )


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = WorkRecordAttachment
        fields = ["file"]
        help_texts = {
            "file": _("PDF, JPG, PNG, Word (doc, docx), Excel (xls, xlsx) or WPS (wps, et).")
        }

    def clean_file(self):
        """A picture is stored without its metadata (a phone's GPS position, make, serial)."""
        upload = self.cleaned_data["file"]
        if extension(upload.name) in ("jpg", "jpeg", "png"):
            validate_attachment(upload)  # a renamed web page is no picture: refused first
            try:
                upload, _evidence = without_metadata(upload, upload.name)
            except PhotoError as exc:
                raise forms.ValidationError(_("The picture cannot be read.")) from exc
        return upload


class SixHavesChecklistForm(forms.Form):
    """The 六有 checklist as the inspector walks it: one row per item (met, missing, or not
    checked this time, with the evidence), one date; each checked row is one SixHavesCheck.
    The rows start from the team's latest checks, so only what changed needs touching."""

    MET, MISSING = "met", "missing"
    checked_on = forms.DateField(label=_("Date checked"), widget=DATE)

    def __init__(self, *args, team, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.initial.setdefault("checked_on", timezone.localdate())
        self.rows = []
        for status in statuses:
            item, latest = status.item, status.latest
            result = forms.ChoiceField(
                label=item.name,
                required=False,
                choices=[
                    ("", _("Not checked this time")),
                    (self.MET, _("met")),
                    (self.MISSING, _("missing")),
                ],
            )
            evidence = forms.CharField(
                label=_("Evidence"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"result_{item.pk}"] = result
            self.fields[f"evidence_{item.pk}"] = evidence
            if latest is not None:
                self.initial.setdefault(
                    f"result_{item.pk}", self.MET if latest.met else self.MISSING
                )
                self.initial.setdefault(f"evidence_{item.pk}", latest.evidence)
            self.rows.append((item, self[f"result_{item.pk}"], self[f"evidence_{item.pk}"]))

    def clean_checked_on(self):
        checked_on = self.cleaned_data["checked_on"]
        if checked_on > timezone.localdate():
            raise ValidationError(_("This date is in the future."))
        return checked_on

    def clean(self):
        data = super().clean()
        checked = [item for item, _result, _evidence in self.rows if data.get(f"result_{item.pk}")]
        for item in checked:
            if data[f"result_{item.pk}"] == self.MET and not data[f"evidence_{item.pk}"].strip():
                self.add_error(f"evidence_{item.pk}", _("Say what shows that the item is met."))
        if not checked and not self.errors:
            raise ValidationError(_("Mark at least one item as met or missing."))
        return data

    def save(self, user):
        """Record a check of every row marked met or missing; returns them."""
        data = self.cleaned_data
        return [
            SixHavesCheck.objects.create(
                team=self.team,
                item=item,
                met=data[f"result_{item.pk}"] == self.MET,
                evidence=data[f"evidence_{item.pk}"],
                checked_on=data["checked_on"],
                checked_by=user,
            )
            for item, _result, _evidence in self.rows
            if data[f"result_{item.pk}"]
        ]


class WorkGroupForm(VersionedForm):
    class Meta:
        model = WorkGroup
        fields = ["name", "members", "villages"]
        widgets = {
            "members": forms.CheckboxSelectMultiple,
            "villages": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        self.fields["members"].queryset = team.members.current()
        # The villages of a team the user reached in scope.
        self.fields["villages"].queryset = Area.objects.unscoped().filter(
            parent_id=team.township_id, level=Area.Level.VILLAGE
        )

    def _get_validation_exclusions(self):
        # Validate the unique name within the team here (the view sets the team).
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("team")
        return exclusions


class PresenceMonthForm(forms.Form):
    """Days on site in one month for each of a team's stationed cadres, in one form: one number
    per cadre, Tab to the next one."""

    def __init__(self, *args, members, month, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        for member in self.members:
            label = f"{member.name} · {member.unit}" if member.unit else member.name
            self.fields[f"member_{member.pk}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=days_in_month,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "days"}),
            )
        if self.members:
            # Straight into typing: the first cadre's box has the focus, Tab moves down.
            self.fields[f"member_{self.members[0].pk}"].widget.attrs["autofocus"] = True

    def days(self):
        """Cadre → days on site, None where left blank."""
        return {member: self.cleaned_data[f"member_{member.pk}"] for member in self.members}


def login_wait(request, username) -> int:
    """Seconds before ``username`` may try again from this address: none for the first
    LOGIN_DELAY_FROM_FAILURE failures, then LOGIN_DELAY_SECONDS, doubling with each failure,
    until django-axes locks the pair out at AXES_FAILURE_LIMIT. Per username and address, like
    the lockout: a stranger's failures make only the stranger wait."""
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .first()
    )
    beyond = attempt.failures_since_start - settings.LOGIN_DELAY_FROM_FAILURE if attempt else -1
    if beyond < 0:
        return 0
    until = attempt.attempt_time + timedelta(seconds=settings.LOGIN_DELAY_SECONDS * 2**beyond)
    return max(0, math.ceil((until - timezone.now()).total_seconds()))


class LoginForm(AuthenticationForm):
    """Django's login form, with the growing wait of `login_wait` before the password is even
    checked (a try during the wait is not counted), and 在此设备上保持登录 for township
    accounts (`teams.views.LoginView`)."""

    remember = forms.BooleanField(label=_("Stay logged in on this device"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remember"].help_text = _(
            "For township accounts on their own phone or computer: the login then lasts "
            "%(days)s days, closed browser or not. Office accounts always log in with their "
            "code."
        ) % {"days": settings.REMEMBER_LOGIN_DAYS}

    def clean(self):
        username = self.cleaned_data.get("username")
        seconds = login_wait(self.request, username) if username else 0
        if seconds:
            raise ValidationError(
                _("Too many wrong passwords: try again in %(seconds)s seconds."),
                code="wait",
                params={"seconds": seconds},
            )
        return super().clean()


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login page: the same wait, then Django's check that the account is staff."""
