"""Who may see and change a household's ledger (seeing is `visible_to`)."""

from households.models import Household
from teams.models import Member
from teams.scope import get_visible_or_404


def household_for(request, pk):
    """The household if the user may see it, with what the ledger header needs; 404 otherwise."""
    queryset = Household.objects.select_related(
        "village__parent", "contact_cadre", "attribute", "ability", "main_cause"
    ).with_head()
    return get_visible_or_404(queryset, request.user, pk=pk)


def can_edit_ledger(user, household) -> bool:
    """County officers of the household's county, or current members of its township team.

    City and province offices read the ledgers; they do not write them.
    """
    if user.can_manage_county:
        return True
    member = getattr(user, "member", None)
    return bool(member and member.is_current and member.team.township_id == household.township_id)


def can_manage_projects(user, township_id) -> bool:
    """County officers, and the leader and deputies of the township's team: they plan the
    township's projects and record their payments."""
    if user.can_manage_county:
        return True
    member = getattr(user, "member", None)
    return bool(
        member
        and member.is_current
        and member.team.township_id == township_id
        and member.role in {Member.Role.LEADER, Member.Role.DEPUTY}
    )
