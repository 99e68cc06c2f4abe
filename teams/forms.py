from django import forms
from django.utils.translation import gettext_lazy as _

from teams.models import Area, Member, Team, Unit, User


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose choices of related rows are narrowed to the user's scope."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                field.queryset = queryset.visible_to(user)


class TeamForm(ScopedModelForm):
    class Meta:
        model = Team
        fields = ["township", "established", "office_address", "office_phone", "tasks"]
        widgets = {"established": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["township"]
        else:
            self.fields["township"].queryset = self.fields["township"].queryset.filter(
                level=Area.Level.TOWNSHIP, team__isnull=True
            )


class MemberForm(ScopedModelForm):
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
            "phone",
            "joined",
            "left",
            "user",
        ]
        widgets = {
            "joined": forms.DateInput(attrs={"type": "date"}),
            "left": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        self.fields["unit"].queryset = Unit.objects.visible_to(self.user)
        self.fields["user"].queryset = User.objects.visible_to(self.user).filter(
            area__code__startswith=team.township_id
        )
        self.fields["user"].help_text = _("The login account of this member, if any.")

    def _get_validation_exclusions(self):
        # The team is set by the view, not the form, but the one-leader and one-deputy
        # constraints involve it: validate them here to show a message instead of a crash.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("team")
        return exclusions
