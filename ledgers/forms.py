from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.forms import group_households
from households.models import Household
from ledgers.models import (
    FundSource,
    Guarantee,
    Income,
    Measure,
    MeasureCategory,
    Payment,
    Plan,
    Project,
    Visit,
    VisitPhoto,
)
from teams.forms import DATE, VersionedForm
from teams.models import Area, Member
from teams.permissions import may
from teams.photos import PhotoError, without_metadata

#: The picture types accepted as visit evidence, by the first bytes of the file.
PHOTO_SIGNATURES = [
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
]
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})


def photo_type(head: bytes):
    """(suffix, content type) of a JPEG, PNG or WebP file starting with ``head``, else None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    for signature, suffix, content_type in PHOTO_SIGNATURES:
        if head.startswith(signature):
            return suffix, content_type
    return None


class LedgerForm(VersionedForm):
    """A ledger record of ``household``: cadres are chosen among its township team; what has
    happened (``past_dates``) is dated neither in the future nor before the household was
    registered (a visit dated 2030 kept a household off the overdue lists for years)."""

    #: Fields holding a team member, narrowed to the household's township team.
    member_fields = []
    #: Date fields of what has already happened.
    past_dates = []

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.household = household
        # The team of a household the user reached in scope.
        members = Member.objects.unscoped().serving(household.township_id)
        for name in self.member_fields:
            self.fields[name].queryset = members
        own = getattr(self.user, "member", None)
        for name in self.member_fields:
            self.default(name, household.contact_cadre_id or (own and own.pk))

    def clean(self):
        cleaned = super().clean()
        registered = self.instance.household.registered_on
        for name in self.past_dates:
            day = cleaned.get(name)
            if day is None:
                continue
            if day > timezone.localdate():
                self.add_error(name, _("This date is in the future."))
            elif registered and day < registered:
                self.add_error(
                    name,
                    _("The household was registered on %(date)s; this date is before it.")
                    % {"date": registered.isoformat()},
                )
        return cleaned

    def default(self, name, value):
        """Propose ``value`` for a field the new record has no value for yet."""
        if self.initial.get(name) is None:
            self.initial[name] = value

    def _get_validation_exclusions(self):
        # The household comes from the URL, but the one-per-year constraints involve it:
        # validate them here to show a message instead of a database error.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("household")
        return exclusions


class PlanForm(LedgerForm):
    member_fields = ["responsible"]
    past_dates = ["agreed_on"]

    class Meta:
        model = Plan
        fields = [
            "kind",
            "year",
            "goals",
            "planned_measures",
            "target_income",
            "responsible",
            "agreed_on",
            "agreed_with",
        ]
        widgets = {
            "goals": SHORT_TEXT,
            "agreed_on": DATE,
            "planned_measures": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_measures"].queryset = MeasureCategory.objects.filter(is_active=True)
        self.default("year", timezone.localdate().year)


class MeasureForm(LedgerForm):
    member_fields = ["responsible"]

    class Meta:
        model = Measure
        fields = ["category", "date", "description", "amount", "responsible", "status", "project"]
        widgets = {"date": DATE, "description": SHORT_TEXT}

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, household=household, **kwargs)
        self.default("date", timezone.localdate())
        self.fields["project"].queryset = self.fields["project"].queryset.filter(
            township_id=household.township_id
        )


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of pictures from one file input (Django's documented way): a list."""

    def __init__(self, **kwargs):
        super().__init__(
            widget=PhotosInput(attrs={"accept": "image/jpeg,image/png,image/webp"}), **kwargs
        )

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(file, initial) for file in files if file]


class VisitForm(LedgerForm):
    """A visit; photos are added any number at a time and removed by ticking them (at most
    VISIT_MAX_PHOTOS in all), each checked and stored without its metadata."""

    member_fields = ["cadre"]
    past_dates = ["date"]
    photos = PhotosField(
        label=_("photo evidence"),
        required=False,
        help_text=_("JPEG, PNG or WebP pictures; several may be chosen at once."),
    )
    #: Shown (as a box to tick) only when the household already has a visit on that day.
    same_day = forms.BooleanField(
        label=_("This is another visit on the same day"), required=False, widget=forms.HiddenInput
    )
    remove_photos = forms.ModelMultipleChoiceField(
        label=_("Remove photos"),
        queryset=VisitPhoto.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Visit
        fields = ["date", "cadre", "findings", "actions", "requests", "next_step"]
        widgets = {
            "date": DATE,
            "findings": SHORT_TEXT,
            "actions": SHORT_TEXT,
            "requests": SHORT_TEXT,
            "next_step": SHORT_TEXT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default("date", timezone.localdate())
        # A visit is usually recorded by the cadre who made it.
        own = getattr(self.user, "member", None)
        if self.instance._state.adding:
            if own:
                self.initial["cadre"] = own.pk
            del self.fields["remove_photos"]
        else:
            self.fields["remove_photos"].queryset = self.instance.photos.all()
            self.fields["remove_photos"].label_from_instance = photo_label
            if not self.instance.photos.exists():
                del self.fields["remove_photos"]

    def clean_photos(self):
        """[(the picture without metadata, (taken at, latitude, longitude))]."""
        return [self._checked(photo) for photo in self.cleaned_data["photos"]]

    def _checked(self, photo):
        limit = settings.LEDGER_PHOTO_MAX_BYTES
        if photo.size > limit:
            raise forms.ValidationError(
                _("The photo is %(size)s; at most %(limit)s is accepted.")
                % {"size": filesizeformat(photo.size), "limit": filesizeformat(limit)}
            )
        photo.seek(0)
        kind = photo_type(photo.read(12))
        photo.seek(0)
        if kind is None:
            raise forms.ValidationError(_("Only JPEG, PNG or WebP pictures are accepted."))
        # Stored without metadata (a phone's GPS position, make and serial); the time and place
        # it recorded become evidence fields. The name gets the suffix of the real content.
        try:
            return without_metadata(photo, "photo" + kind[0])
        except PhotoError as exc:
            raise forms.ValidationError(_("The picture cannot be read.")) from exc

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        twin = (
            Visit.objects.unscoped()
            .filter(household=self.instance.household, date=day)
            .exclude(pk=self.instance.pk)
        )
        if day and not cleaned.get("same_day") and twin.exists():
            # The same visit entered twice passed without a word.
            self.fields["same_day"].widget = forms.CheckboxInput()
            self.add_error(
                "date",
                _(
                    "The household already has a visit on %(date)s. If this is another one, "
                    "tick the box below."
                )
                % {"date": day.isoformat()},
            )
        kept = 0 if self.instance._state.adding else self.instance.photos.count()
        kept -= len(cleaned.get("remove_photos") or [])
        if kept + len(cleaned.get("photos") or []) > settings.VISIT_MAX_PHOTOS:
            self.add_error(
                "photos",
                _("A visit keeps at most %(n)s photos; remove some first.")
                % {"n": settings.VISIT_MAX_PHOTOS},
            )
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        visit = super().save(commit)
        for photo in self.cleaned_data.get("remove_photos") or []:
            photo.delete()  # its file goes once the deletion is committed
        for picture, (taken_at, latitude, longitude) in self.cleaned_data["photos"]:
            VisitPhoto.objects.create(
                visit=visit,
                photo=picture,
                taken_at=taken_at,
                latitude=latitude,
                longitude=longitude,
            )
        return visit


def photo_label(photo):
    taken = timezone.localtime(photo.taken_at).strftime("%Y-%m-%d %H:%M") if photo.taken_at else ""
    return _("Photo %(n)s %(taken)s") % {"n": photo.pk, "taken": taken}


class IncomeForm(LedgerForm):
    class Meta:
        model = Income
        fields = [
            "year",
            "household_size",
            "wages",
            "production_income",
            "production_costs",
            "property_income",
            *Income.TRANSFERS,
        ]

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, household=household, **kwargs)
        # Income is recorded once the year is over.
        self.default("year", timezone.localdate().year - 1)
        if self.instance._state.adding:
            self.default("household_size", household.persons.current().count() or 1)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.widget.attrs["inputmode"] = "decimal"


class GuaranteeForm(LedgerForm):
    class Meta:
        model = Guarantee
        fields = ["year"] + [name for item in Guarantee.ITEMS for name in item]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default("year", timezone.localdate().year)


class PlanChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, plan):
        return f"{plan.household.number} {plan}"


class ProjectForm(VersionedForm):
    """A township's project with its budget per fund source.

    Beneficiaries and the plans served belong to households of the project's township.
    """

    class Meta:
        model = Project
        fields = [
            "township",
            "name",
            "category",
            "starts_on",
            "ends_on",
            "procurement",
            "procurement_ref",
            "beneficiaries",
            "plans",
            "status",
        ]
        field_classes = {"plans": PlanChoiceField}
        widgets = {"starts_on": DATE, "ends_on": DATE}

    COUNTY_STATUSES = {Project.Status.ACCEPTED, Project.Status.CLOSED}

    def __init__(self, *args, budgets=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["township"].queryset = fields["township"].queryset.filter(level=Area.Level.TOWNSHIP)
        households = fields["beneficiaries"].queryset.filter(status__in=Household.ACTIVE_STATUSES)
        plans = fields["plans"].queryset.select_related("household")
        if self.instance.township_id:
            # The township of a project is fixed once it is recorded.
            del fields["township"]
            households = households.filter(village__parent_id=self.instance.township_id)
            plans = plans.filter(household__village__parent_id=self.instance.township_id)
        fields["beneficiaries"].queryset = households
        group_households(fields["beneficiaries"])
        fields["plans"].queryset = plans.order_by("household__number", "-kind", "year")
        if not may(self.user, "fund_projects"):
            # Budgets, acceptance and closing are the county's: a team leader plans and runs
            # the project, and cannot reopen one the county accepted or closed.
            if self.instance.status in self.COUNTY_STATUSES:
                del fields["status"]
            else:
                fields["status"].choices = [
                    choice
                    for choice in fields["status"].choices
                    if choice[0] not in self.COUNTY_STATUSES
                ]
            return
        budgets = budgets or {}
        for source in FundSource:
            fields[f"budget_{source.value}"] = forms.DecimalField(
                label=_("Budget: %(source)s (yuan)") % {"source": source.label},
                max_digits=12,
                decimal_places=2,
                min_value=0,
                initial=budgets.get(source.value, 0),
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )

    @property
    def budgets(self):
        """{source: yuan} of the cleaned form ({} for those who may not set budgets)."""
        return {
            source.value: self.cleaned_data[f"budget_{source.value}"]
            for source in FundSource
            if f"budget_{source.value}" in self.fields
        }

    def clean(self):
        cleaned = super().clean()
        township = cleaned.get("township") or (
            self.instance.township if self.instance.township_id else None
        )
        if township is None:
            return cleaned
        paths = {"beneficiaries": "village__parent", "plans": "household__village__parent"}
        for name, path in paths.items():
            chosen = cleaned.get(name)
            if chosen is not None and chosen.exclude(**{path: township}).exists():
                self.add_error(name, _("Choose households of the project's township only."))
        return cleaned


class AcceptanceForm(VersionedForm):
    class Meta:
        model = Project
        fields = ["accepted_on", "acceptance_record"]
        widgets = {"accepted_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True

    def save(self, commit=True):
        self.instance.status = Project.Status.ACCEPTED
        return super().save(commit)


class PaymentForm(forms.ModelForm):
    """A new payment of ``project``; `ledgers.funds.record_payment` records it."""

    class Meta:
        model = Payment
        fields = ["date", "amount", "source", "payee", "household", "voucher", "purpose"]
        widgets = {"date": DATE}

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].validators.append(MinValueValidator(Decimal("0.01")))
        self.fields["household"].queryset = Household.objects.visible_to(user).filter(
            village__parent_id=project.township_id
        )
        group_households(self.fields["household"])
        self.initial.setdefault("date", timezone.localdate())


class ReversalForm(forms.Form):
    date = forms.DateField(label=_("Date of the reversal"), widget=DATE)
    voucher = forms.CharField(label=_("Voucher number"), max_length=50)
    purpose = forms.CharField(
        label=_("Reason for the reversal"), max_length=200, widget=forms.TextInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class ProjectFilterForm(forms.Form):
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Area.objects.none(), to_field_name="code", required=False
    )
    category = forms.ChoiceField(
        label=_("Project category"),
        choices=[("", "---------"), *Project.Category.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Project status"),
        choices=[("", "---------"), *Project.Status.choices],
        required=False,
    )
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.TOWNSHIP
        )
