from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.dashboard import default_year
from assessments.models import (
    CadreAssessment,
    ExitStep,
    Inspection,
    Outcome,
    Rectification,
    TeamAssessment,
)
from households.forms import RosterUploadForm
from households.models import Finding, ListKind, ReferenceItem
from teams.forms import DATE, ScopedModelForm, VersionedForm
from teams.models import Area, Member


def year_choices():
    return [(year, year) for year in range(timezone.localdate().year, 2015, -1)]


class DashboardForm(forms.Form):
    """The year of the dashboard; an unknown year falls back to the default one."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=year_choices)

    def chosen_year(self):
        if self.is_valid():
            return self.cleaned_data["year"]
        # The year box shows the year the figures are for, also before the user picks one.
        self.fields["year"].initial = default_year(timezone.localdate())
        return self.fields["year"].initial


class ExitProposeForm(DashboardForm):
    """The year an exit review is for, and the day it was proposed (a paper review is entered
    with its own date; today when none is given)."""

    date = forms.DateField(label=_("Proposed on"), widget=DATE, required=False)

    def chosen_date(self):
        if self.is_valid() and self.cleaned_data["date"]:
            return self.cleaned_data["date"]
        return timezone.localdate()


class FigureFilter(forms.Form):
    """Which households of a dashboard figure to list: the year, an area (a row of the
    dashboard, at any level), an attribute or a main cause, all within the user's scope."""

    year = forms.TypedChoiceField(coerce=int, choices=year_choices, required=False)
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(), to_field_name="code", required=False
    )
    attribute = forms.ModelChoiceField(
        queryset=ReferenceItem.objects.filter(kind=ReferenceItem.Kind.ATTRIBUTE), required=False
    )
    cause = forms.ModelChoiceField(
        queryset=ReferenceItem.objects.filter(kind=ReferenceItem.Kind.CAUSE), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user)

    def chosen_year(self):
        return self.cleaned_data["year"] or default_year(timezone.localdate())

    def filter(self, households):
        data = self.cleaned_data
        if data["area"]:
            households = households.in_area(data["area"].code)
        if data["attribute"]:
            households = households.filter(attribute=data["attribute"])
        if data["cause"]:
            households = households.filter(main_cause=data["cause"])
        return households


class InspectionForm(ScopedModelForm):
    class Meta:
        model = Inspection
        fields = ["team", "date", "kind", "inspectors", "findings"]
        widgets = {"date": DATE}


class RectificationForm(forms.ModelForm):
    class Meta:
        model = Rectification
        fields = ["item", "owner", "deadline"]
        widgets = {"deadline": DATE}


class RectificationProgressForm(VersionedForm):
    """What the township team reports: progress, and the evidence when the item is fixed."""

    class Meta:
        model = Rectification
        fields = ["progress", "evidence", "closed_on"]
        widgets = {"closed_on": DATE}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("closed_on") and not (cleaned.get("evidence") or "").strip():
            self.add_error("evidence", _("Say what shows the item is fixed before closing it."))
        return cleaned


class RectificationFilter(forms.Form):
    overdue = forms.BooleanField(label=_("Only past their deadline"), required=False)
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Area.objects.none(), to_field_name="code", required=False
    )
    #: From a dashboard row above the townships, and a past year's cut-off day.
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.HiddenInput,
    )
    on = forms.DateField(label=_("Past their deadline on"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Area.objects.visible_to(user)
        self.fields["township"].queryset = visible.filter(level=Area.Level.TOWNSHIP)
        self.fields["area"].queryset = visible

    def filter(self, rectifications, today):
        if not self.is_valid():
            return rectifications
        if self.cleaned_data["overdue"]:
            rectifications = rectifications.overdue(self.cleaned_data["on"] or today)
        for area in (self.cleaned_data["township"], self.cleaned_data["area"]):
            if area:
                rectifications = rectifications.in_area(area.code)
        return rectifications


class ExitStepForm(forms.ModelForm):
    class Meta:
        model = ExitStep
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
        widgets = {
            "date": DATE,
            "notice_until": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class TeamAssessmentForm(VersionedForm):
    class Meta:
        model = TeamAssessment
        fields = ["score", "grade", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class CadreAssessmentForm(VersionedForm):
    class Meta:
        model = CadreAssessment
        fields = ["score", "grade", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class OutcomeForm(ScopedModelForm):
    class Meta:
        model = Outcome
        fields = ["kind", "member", "date", "deadline", "owner", "note"]
        widgets = {"date": DATE, "deadline": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.members.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Outcome.Kind.RECTIFY and not (
            cleaned.get("deadline") and (cleaned.get("owner") or "").strip()
        ):
            raise forms.ValidationError(_("A rectification needs a deadline and an owner."))
        return cleaned


class OutcomeCloseForm(VersionedForm):
    """Closing an outcome: the day and what was done, neither before the outcome."""

    class Meta:
        model = Outcome
        fields = ["closed_on", "closing_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True

    def clean(self):
        if self.instance.closed_on:  # the stored value: the form's is set after cleaning
            raise forms.ValidationError(_("The outcome is already closed."))
        return super().clean()

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on < self.instance.date:
            raise forms.ValidationError(_("An outcome cannot be closed before its date."))
        return closed_on


class ReturnToPovertyForm(forms.Form):
    """返贫: the year whose ledger shows why, the cause, and who helps the household now."""

    year = forms.TypedChoiceField(label=_("Year of the ledger"), coerce=int, choices=year_choices)
    applied_on = forms.DateField(label=_("The household applied on"), widget=DATE)
    village_review_on = forms.DateField(label=_("The village's democratic review on"), widget=DATE)
    township_review_on = forms.DateField(label=_("The township's review on"), widget=DATE)
    date = forms.DateField(label=_("The county's approval on"), widget=DATE)
    cause = forms.ModelChoiceField(
        label=_("Cause"), queryset=ReferenceItem.objects.filter(kind=ReferenceItem.Kind.CAUSE)
    )
    reason = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}))
    cadre = forms.ModelChoiceField(
        label=_("Contact cadre"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("Leave empty to keep the current contact cadre."),
    )

    def __init__(self, *args, household, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Member.objects.visible_to(user).serving(
            household.township_id
        )


class ListUploadForm(RosterUploadForm):
    """Another department's list to match against a county's registry (issue 22)."""

    kind = forms.ModelChoiceField(ListKind.objects.all(), label=_("List"))
    as_of = forms.DateField(label=_("The list is as of"), widget=DATE)
    field_order = ["county", "kind", "as_of", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("List (.xlsx, .xls, .ods or .csv)")
        self.fields["file"].help_text = _(
            "Columns: 证件号码 (required), 姓名 and 乡镇 (optional), any detail columns. The "
            "file is not kept; only the matches are."
        )
        self.initial.setdefault("as_of", timezone.localdate())

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return as_of


class FindingFilter(forms.Form):
    """The worklist's filters: what is pending by default."""

    PENDING = "pending"
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Area.objects.none(), to_field_name="code", required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, user, labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Area.objects.visible_to(user).filter(
            level=Area.Level.TOWNSHIP
        )
        self.fields["kind"].choices = [("", _("All kinds")), *labels.items()]
        self.fields["state"].initial = self.PENDING
        self.fields["state"].choices = [
            (self.PENDING, _("To act on (to review or confirmed)")),
            ("", _("All states")),
            *Finding.State.choices,
        ]

    def filter(self, findings):
        data = self.cleaned_data if self.is_valid() else {"state": self.PENDING}
        if data.get("township"):
            findings = findings.in_area(data["township"].code)
        if data.get("kind"):
            findings = findings.filter(kind=data["kind"])
        state = data.get("state", self.PENDING) if self.is_bound else self.PENDING
        if state == self.PENDING:
            findings = findings.pending()
        elif state:
            findings = findings.filter(state=state)
        return findings


class FindingReviewForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        label=_("What the review found"),
        coerce=lambda value: value == "confirmed",
        choices=[
            ("confirmed", _("Confirmed: the finding is true")),
            ("dismissed", _("Dismissed: the finding is not true")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: checked at the household on 3 December, the car was sold."),
    )
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)
