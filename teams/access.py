"""Who may do what with a team, beyond seeing it (seeing is `visible_to`)."""

from teams.models import Member


def can_manage_team(user, team) -> bool:
    """County officers of the team's county, or the team's own leader and deputy."""
    if user.can_manage_county:
        return True
    member = getattr(user, "member", None)
    return bool(
        member
        and member.team_id == team.pk
        and member.is_current
        and member.role in {Member.Role.LEADER, Member.Role.DEPUTY}
    )


def can_add_work_record(user, team) -> bool:
    """Those who manage the team, and the team's own current members: the team keeps its records
    of meetings, study and analysis sessions and situation reports."""
    if can_manage_team(user, team):
        return True
    member = getattr(user, "member", None)
    return bool(member and member.team_id == team.pk and member.is_current)
