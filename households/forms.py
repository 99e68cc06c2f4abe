import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.idnumber import mask_id_number, normalise_id_number
from households.models import (
    ID_NUMBER_CLASH,
    Disclosure,
    Household,
    IdentificationStep,
    MemberChange,
    Person,
    ReferenceItem,
)
from households.notices import NoticeError, check_notice
from households.sensitive import mask_account, mask_all, mask_phone
from households.services import disclosure_log
from teams.forms import DATE, VersionedForm, group_choices, group_villages
from teams.models import Area, Member
from teams.permissions import may
from teams.phones import validate_phone


def _reference_choices(form, **kinds):
    for name, kind in kinds.items():
        form.fields[name].queryset = ReferenceItem.objects.of_kind(kind)


def check_id_number_free(value, *, user, household, person=None):
    """Refuse ``value`` when another person holds it: one person, one household, wherever it
    is. Whether it is registered outside the user's area is not the user's to learn: the answer
    is neutral, the clash is logged for the county office of ``household``, and probing is
    limited to ID_CLASHES_PER_HOUR."""
    # The user's own clashes, wherever the numbers were registered.
    clashes = Disclosure.objects.unscoped().filter(
        user=user,
        action=Disclosure.Action.CLASH,
        at__gte=timezone.now() - datetime.timedelta(hours=1),
    )
    if clashes.count() >= settings.ID_CLASHES_PER_HOUR:
        raise ValidationError(
            _(
                "Too many ID numbers that cannot be registered here in the last hour: try "
                "again later, or ask the county poverty office."
            )
        )
    # One person, one household, wherever: the registry-wide answer below stays neutral.
    registered = Person.objects.unscoped().current().with_id_number(value)
    if person is not None and person.pk:
        registered = registered.exclude(pk=person.pk)
    if registered.visible_to(user).exists():
        raise ValidationError(_("A person with this ID number is already registered."))
    if registered.exists():
        disclosure_log(
            action=Disclosure.Action.CLASH,
            user=user,
            area_code=household.village_id,
            record=f"household {household.number}",
            field="id_number",
            reason=f"{mask_id_number(value)} registered outside the user's area",
        )
        raise ValidationError(ID_NUMBER_CLASH)


class SensitiveFieldsForm(VersionedForm):
    """A form with encrypted fields (``sensitive``: field name → its mask) that never puts a
    stored value into the page: an edit shows it masked, as the field's placeholder, a field
    left blank keeps it, and only a newly typed value is written. Full values are read only
    through the logged reveal."""

    sensitive = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, mask in self.sensitive.items():
            field = self.fields[name]
            stored = getattr(self.instance, name) if self.instance.pk else ""
            if stored:
                field.required = False
                field.help_text = _("Leave blank to keep the recorded value.")
            if isinstance(field, forms.ChoiceField):
                # A list selects nothing: its blank choice stands for the recorded value.
                if stored:
                    kept = _("%(masked)s (unchanged)") % {"masked": mask(stored)}
                    field.choices = [("", kept), *(c for c in field.choices if c[0] != "")]
            else:
                attrs = {"autocomplete": "off"}
                if stored:
                    attrs["placeholder"] = mask(stored)
                field.widget = forms.TextInput(attrs=attrs)
            self.initial[name] = ""

    def kept(self, name, value):
        """``value`` as typed, or the stored value when the field was left blank."""
        if not value and self.instance.pk:
            return getattr(self.instance, name)
        return value


class HouseholdForm(SensitiveFieldsForm):
    """Household fields a township office keeps up to date; status has its own workflow."""

    sensitive = {"phone": mask_phone, "bank_account": mask_account}

    class Meta:
        model = Household
        fields = [
            "village",
            "attribute",
            "ability",
            "main_cause",
            "other_causes",
            "phone",
            "bank_name",
            "bank_account",
            "housing",
            "safe_water",
            "electricity",
            "farmland_mu",
            "forest_mu",
            "publicly_displayed",
        ]
        widgets = {"other_causes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        Kind = ReferenceItem.Kind
        _reference_choices(
            self, attribute=Kind.ATTRIBUTE, ability=Kind.ABILITY, main_cause=Kind.CAUSE
        )
        self.fields["other_causes"].queryset = ReferenceItem.objects.of_kind(Kind.CAUSE)
        if self.instance.pk:
            del self.fields["village"]
            if not may(self.user, "change_contact_details", household=self.instance):
                for name in ("phone", "bank_name", "bank_account"):
                    del self.fields[name]
        else:
            self.fields["village"].queryset = self.fields["village"].queryset.filter(
                level=Area.Level.VILLAGE
            )
            group_villages(self.fields["village"])

    def clean_phone(self):
        return self.kept("phone", "".join(self.cleaned_data["phone"].split()))

    def clean_bank_account(self):
        return self.kept("bank_account", "".join(self.cleaned_data["bank_account"].split()))


def group_households(field):
    """Households under their township and village, each as its number and head."""
    field.queryset = field.queryset.with_head()
    group_choices(
        field,
        lambda household: f"{household.village.parent.name} {household.village.name}",
        "village_id",
        "number",
        related=["village__parent"],
    )


def _health_choices():
    items = ReferenceItem.objects.of_kind(ReferenceItem.Kind.HEALTH)
    return [("", "---------"), *((item.name, item.name) for item in items)]


class PersonForm(SensitiveFieldsForm):
    """A household member; the ID number is normalised and checked against the whole database."""

    sensitive = {"id_number": mask_id_number, "health": mask_all, "disability_grade": mask_all}
    health = forms.ChoiceField(label=_("health"), choices=_health_choices, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "id_number",
            "relation",
            "ethnicity",
            "education",
            "in_school",
            "health",
            "disability_grade",
            "labour_skill",
            "work_status",
            "months_worked",
            "medical_insurance",
            "pension_insurance",
            "dibao",
            "wubao",
        ]

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.household = household
        if self.instance.pk and not may(self.user, "change_contact_details", household=household):
            del self.fields["id_number"]
        Kind = ReferenceItem.Kind
        _reference_choices(
            self,
            relation=Kind.RELATION,
            ethnicity=Kind.ETHNICITY,
            education=Kind.EDUCATION,
            in_school=Kind.IN_SCHOOL,
            labour_skill=Kind.LABOUR_SKILL,
            work_status=Kind.WORK_STATUS,
        )

    def clean_health(self):
        return self.kept("health", self.cleaned_data["health"])

    def clean_disability_grade(self):
        return self.kept("disability_grade", self.cleaned_data["disability_grade"])

    def clean_id_number(self):
        typed = self.cleaned_data["id_number"]
        if not typed and self.instance.pk:
            return self.kept("id_number", typed)
        value, _repairs = normalise_id_number(typed)
        check_id_number_free(
            value, user=self.user, household=self.instance.household, person=self.instance
        )
        return value

    def clean(self):
        cleaned = super().clean()
        relation = cleaned.get("relation")
        household = self.instance.household
        if (
            relation
            and relation.name == Person.HEAD
            and household.persons.filter(is_head=True).exclude(pk=self.instance.pk).exists()
        ):
            self.add_error("relation", _("The household already has a head."))
        return cleaned


class HouseholdFilter(forms.Form):
    """The filters of the household list: one `filter(queryset)` method."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Name or household number."),
    )
    township = forms.ModelChoiceField(queryset=Area.objects.none(), required=False)
    village = forms.ModelChoiceField(queryset=Area.objects.none(), required=False)
    status = forms.ChoiceField(
        choices=[("", "---------"), *Household.Status.choices], required=False
    )
    attribute = forms.ModelChoiceField(
        queryset=ReferenceItem.objects.of_kind(ReferenceItem.Kind.ATTRIBUTE), required=False
    )
    cause = forms.ModelChoiceField(
        queryset=ReferenceItem.objects.of_kind(ReferenceItem.Kind.CAUSE), required=False
    )
    contact_cadre = forms.ModelChoiceField(queryset=Member.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.visible_to(user)
        self.fields["township"].queryset = areas.filter(level=Area.Level.TOWNSHIP)
        self.fields["township"].label = _("Township")
        self.fields["village"].queryset = areas.filter(level=Area.Level.VILLAGE)
        group_villages(self.fields["village"])
        self.fields["village"].label = _("Village")
        self.fields["status"].label = _("Status")
        self.fields["attribute"].label = _("Household attribute")
        self.fields["cause"].label = _("Cause of poverty")
        self.fields["contact_cadre"].queryset = Member.objects.visible_to(user).current()
        self.fields["contact_cadre"].label = _("Contact cadre")

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["township"]:
            queryset = queryset.in_area(data["township"].code)
        if data["village"]:
            queryset = queryset.filter(village=data["village"])
        for field in ["status", "attribute", "contact_cadre"]:
            if data[field]:
                queryset = queryset.filter(**{field: data[field]})
        if data["cause"]:
            queryset = queryset.filter(Q(main_cause=data["cause"]) | Q(other_causes=data["cause"]))
        if q := data["q"].strip():
            queryset = self._search(queryset, q)
        return queryset.distinct()

    def _search(self, queryset, q):
        try:
            normalise_id_number(q)
        except ValidationError:
            pass
        else:
            # Not searched: in a URL it would stay in the browser's history and the server's
            # log. The search by ID number is a POST (IdNumberSearchForm).
            self.id_number_in_url = True
            return queryset.none()
        if q.isdigit():
            return queryset.filter(number__startswith=q)
        return queryset.filter(persons__name__contains=q)


class IdNumberSearchForm(forms.Form):
    """The household list's search by exact ID number, sent by POST: the number never appears
    in a URL (browser history, web server logs, the access log)."""

    id_number = forms.CharField(label=_("Find by ID number"), max_length=30)

    def clean_id_number(self):
        value, _repairs = normalise_id_number(self.cleaned_data["id_number"])
        return value

    def filter(self, queryset):
        # A condition on ``queryset``, which the list has already scoped.
        holders = Person.objects.unscoped().with_id_number(self.cleaned_data["id_number"])
        return queryset.filter(persons__in=holders)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the full value?"), max_length=300)


class StatusChangeForm(forms.Form):
    """The status changes without a procedure of their own: cancelling a household (已注销).
    Registration comes from identification, exit from the exit review, return to poverty from
    its own procedure."""

    to = forms.ChoiceField(
        label=_("New status"),
        choices=[(Household.Status.CANCELLED, Household.Status.CANCELLED.label)],
        error_messages={
            "invalid_choice": _(
                "Registration, exit and return to poverty go through their own procedures "
                "(identification, exit review, return to poverty); here a household can only "
                "be cancelled."
            )
        },
    )
    date = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CadreForm(forms.Form):
    cadre = forms.ModelChoiceField(
        label=_("Contact cadre"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("Leave empty only to end the link of a household out of poverty."),
    )
    date = forms.DateField(label=_("From"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, household, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Member.objects.visible_to(user).serving(
            household.township_id
        )


class HandoverForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Hand the households to"), queryset=Member.objects.none())
    date = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, *args, cadre, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Member.objects.visible_to(user).serving(cadre.team.township_id).exclude(pk=cadre.pk)
        )


class IdentificationStepForm(forms.ModelForm):
    class Meta:
        model = IdentificationStep
        fields = [
            "step",
            "date",
            "responsible",
            "outcome",
            "notice_until",
            "issued_by",
            "complaint_phone",
            "note",
        ]
        widgets = {"date": DATE, "notice_until": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class VillageNoticeForm(forms.Form):
    """What the printed public notice of a village states: its period, who issues it and where
    to complain (the rules of notices.check_notice). Filled in on the page before printing."""

    date = forms.DateField(label=_("Notice from"), widget=DATE)
    notice_until = forms.DateField(label=_("Notice until"), widget=DATE)
    issued_by = forms.CharField(label=_("Issued by"), max_length=100)
    complaint_phone = forms.CharField(
        label=_("Complaint phone"), max_length=30, validators=[validate_phone]
    )

    @classmethod
    def for_village(cls, village, team, data):
        """The form as sent, or else filled with the usual values: a period of the shortest
        length starting today, the village committee, the township team's office phone."""
        if "issued_by" in data:
            return cls(data)
        today = timezone.localdate()
        initial = {
            "date": today,
            "notice_until": today + datetime.timedelta(days=settings.NOTICE_MIN_DAYS - 1),
            "issued_by": _("%(village)s villagers' committee") % {"village": village.name},
            "complaint_phone": team.office_phone if team else "",
        }
        return cls({name: str(value) for name, value in initial.items()})

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                check_notice(
                    date=data["date"],
                    notice_until=data["notice_until"],
                    issued_by=data["issued_by"],
                    phone=data["complaint_phone"],
                )
            except NoticeError as error:
                raise ValidationError(str(error)) from error
        return data


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    content = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Finding"),
        coerce=lambda value: value == "upheld",
        choices=[
            ("dismissed", _("Dismissed: the procedure goes on")),
            ("upheld", _("Upheld: the procedure stops")),
        ],
    )
    resolution = forms.CharField(
        label=_("What the investigation found"), widget=forms.Textarea(attrs={"rows": 2})
    )
    resolved_on = forms.DateField(label=_("Resolved on"), widget=DATE)


class AssessmentForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("Items that applied"),
        queryset=ReferenceItem.objects.filter(
            kind__in=ReferenceItem.ASSESSMENT_KINDS, is_active=True
        ),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    assessors = forms.CharField(label=_("Assessed by"), max_length=200)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _relations():
    return ReferenceItem.objects.of_kind(ReferenceItem.Kind.RELATION)


def _household_by_number(label, **kwargs):
    """A household typed by its 17-digit number, among the households the form allows."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Household.objects.none(),
        to_field_name="number",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 17}),
        error_messages={"invalid_choice": _("No household of your area has this number.")},
        **kwargs,
    )


def _counties():
    # The division codes are public: any county of the province may receive a move.
    return Area.objects.unscoped().filter(level=Area.Level.COUNTY)


class MemberChangeForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("kind of change"), choices=MemberChange.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    joins = _household_by_number(_("Joins household (number)"), required=False)
    relation = forms.ModelChoiceField(
        label=_("Relation in the household joined"), queryset=_relations(), required=False
    )
    destination = forms.ModelChoiceField(
        label=_("Moves to county"),
        queryset=_counties(),
        required=False,
        help_text=_("For a marriage or move out of your area: the county that receives them."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, household, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = household.persons.current()
        self.fields["joins"].queryset = Household.objects.visible_to(user).exclude(pk=household.pk)


class ReceiveForm(forms.Form):
    """Receive a person who moved here into a household of the user's area."""

    household = _household_by_number(_("Into household (number)"))
    relation = forms.ModelChoiceField(label=_("Relation to the head"), queryset=_relations())
    date = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.visible_to(user)


class ReceiveHouseholdForm(forms.Form):
    """Receive a whole household that moved here as a new household of a village."""

    village = forms.ModelChoiceField(label=_("Into village"), queryset=Area.objects.none())
    date = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.VILLAGE
        )
        group_villages(self.fields["village"])


class MoveOutForm(forms.Form):
    """The whole household moves to another county."""

    destination = forms.ModelChoiceField(label=_("Moves to county"), queryset=_counties())
    date = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        own = household.village_id[:6]
        self.fields["destination"].queryset = _counties().exclude(code=own)


class HeadChangeForm(forms.Form):
    new_head = forms.ModelChoiceField(
        label=_("New head of household"), queryset=Person.objects.none()
    )
    old_head_relation = forms.ModelChoiceField(
        label=_("Old head's new relation"), queryset=_relations().exclude(name=Person.HEAD)
    )
    date = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = household.persons.current().filter(is_head=False)


#: The spreadsheet files an upload takes: the roster, and the outside lists of cross-checks.
ROSTER_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")


class RosterUploadForm(forms.Form):
    county = forms.ModelChoiceField(Area.objects.none(), label=_("County"))
    file = forms.FileField(
        label=_("Roster (.xlsx, .xls, .ods or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ROSTER_SUFFIXES)}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        counties = Area.objects.visible_to(user).filter(level=Area.Level.COUNTY)
        self.fields["county"].queryset = counties
        if user.area_id and len(user.area_id) == 6:
            self.fields["county"].initial = user.area_id

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.ROSTER_MAX_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(ROSTER_SUFFIXES):
            raise forms.ValidationError(
                _("Upload a workbook (.xlsx, .xls, .ods) or a CSV file (.csv).")
            )
        return upload
