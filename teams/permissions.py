"""Who may do what: the one permission table.

Seeing is the scope (`teams.scope`: every row through ``visible_to``); this table says what a
user may change within it. A user's roles come from the account and, inside a township, from
the team membership: a current member of the township's team is a team member, its leader or
deputy also a team leader, the household's contact cadre also its contact cadre. A membership
that has ended gives no role (and no scope). `docs/security.md` shows the table as
`markdown()` renders it; `tests/teams/test_permissions.py` keeps the two equal.
"""

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Team member")
    CONTACT = "contact", _("Contact cadre of the household")
    LEADER = "leader", _("Team leader or deputy")
    COUNTY = "county", _("County office")
    CITY = "city", _("City office")
    PROVINCE = "province", _("Province office")
    ADMIN = "admin", _("Administrator")


TOWNSHIP = {Role.MEMBER, Role.CONTACT, Role.LEADER, Role.COUNTY, Role.ADMIN}
COUNTY = {Role.COUNTY, Role.ADMIN}

#: action → (what it is, the roles that may do it). City and province offices read only.
PERMISSIONS = {
    "keep_household": (
        _("Keep a household's file: its fields, members, member and head changes"),
        TOWNSHIP,
    ),
    "move_household": (
        _(
            "Move a whole household to another county; receive the persons and households "
            "that moved here"
        ),
        COUNTY,
    ),
    "change_contact_details": (
        _("Change a household's phone and bank account and its members' ID numbers"),
        {Role.CONTACT, Role.LEADER, Role.COUNTY, Role.ADMIN},
    ),
    "reveal": (
        _("See a full ID number, phone, bank account or health status (logged)"),
        {Role.CONTACT, Role.COUNTY, Role.ADMIN},
    ),
    "assign_cadre": (_("Name a household's contact cadre"), {Role.LEADER, *COUNTY}),
    "keep_ledger": (_("Keep a household's ledger: plans, measures, visits, incomes"), TOWNSHIP),
    "add_work_record": (_("Record the team's meetings and work"), TOWNSHIP),
    "manage_team": (
        _("Manage the team: its members, groups, presence, 六有 checks"),
        {Role.LEADER, *COUNTY},
    ),
    "manage_projects": (
        _("Plan and run the township's projects, record payments"),
        {Role.LEADER, *COUNTY},
    ),
    "fund_projects": (_("Set project budgets; accept and close projects"), COUNTY),
    "record_village_steps": (
        _(
            "Record the village's steps of identification and exit: application, democratic "
            "review, first notice, household agreement, exit notice; record objections"
        ),
        TOWNSHIP,
    ),
    "record_township_review": (
        _(
            "Record the township's review and second notice of a candidate, the review of an "
            "exit; resolve objections"
        ),
        {Role.LEADER, *COUNTY},
    ),
    "keep_registry": (
        _(
            "Approve and announce registrations and exits; change a household's status, "
            "return to poverty; import rosters"
        ),
        COUNTY,
    ),
    "assess": (_("Assess teams and cadres; inspections and rectifications"), COUNTY),
    "review_findings": (
        _("Review the findings of cross-checks and data-quality rules: confirm or dismiss"),
        {Role.LEADER, *COUNTY},
    ),
    "import_lists": (
        _("Match other departments' lists against the registry; run the data-quality rules"),
        COUNTY,
    ),
    "create_teams": (_("Set up teams; change records in the admin site"), COUNTY),
}


def roles(
    user: Any,
    *,
    township_id: str | None = None,
    household: Any = None,
    team: Any = None,
) -> set[Role]:
    """The user's roles; for the township roles, in ``township_id`` (or the household's
    township, or the team's) when one is given."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    if user.role != user.Role.TOWNSHIP:
        office = {"county": Role.COUNTY, "city": Role.CITY, "province": Role.PROVINCE}
        return {office[user.role]} if user.area_id else set()
    member = getattr(user, "member", None)
    if member is None or not member.is_current:
        return set()
    if team is not None:
        if member.team_id != team.pk:
            return set()
    elif household is not None:
        township_id = household.township_id
    if township_id is not None and member.team.township_id != township_id:
        return set()
    found = {Role.MEMBER}
    if member.role in {member.Role.LEADER, member.Role.DEPUTY}:
        found.add(Role.LEADER)
    if household is not None and household.contact_cadre_id == member.pk:
        found.add(Role.CONTACT)
    return found


def may(
    user: Any,
    action: str,
    *,
    township_id: str | None = None,
    household: Any = None,
    team: Any = None,
) -> bool:
    """Whether ``user`` may do ``action`` (a key of PERMISSIONS) there."""
    allowed = PERMISSIONS[action][1]
    return bool(roles(user, township_id=township_id, household=household, team=team) & allowed)


def refusal(user: Any, action: str, **where: Any) -> str | None:
    """Why ``user`` may not do ``action`` there (a message naming the action), or None."""
    if may(user, action, **where):
        return None
    return str(
        _("This step is not yours to record: %(action)s.") % {"action": PERMISSIONS[action][0]}
    )


def markdown() -> str:
    """The table as docs/security.md shows it."""
    with translation.override("en"):
        header = ["action", *(str(role.label) for role in Role)]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for label, allowed in PERMISSIONS.values():
            marks = ["yes" if role in allowed else "—" for role in Role]
            lines.append("| " + " | ".join([str(label), *marks]) + " |")
    return "\n".join(lines)
