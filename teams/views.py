from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from teams.access import can_manage_team
from teams.forms import MemberForm, TeamForm
from teams.models import Member, Team, VillageWorkTeam
from teams.scope import get_visible_or_404


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def team_for(request, pk):
    """The team if the user may see it, with what its pages need; 404 otherwise."""
    return get_visible_or_404(Team.objects.select_related("township__parent"), request.user, pk=pk)


@login_required
def team_list(request):
    teams = (
        Team.objects.visible_to(request.user)
        .select_related("township__parent")
        .order_by("township_id")
    )
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    return render(request, "teams/team_list.html", {"page": page})


@login_required
def team_detail(request, pk):
    team = team_for(request, pk)
    roles = list(Member.Role.values)
    members = sorted(
        team.members.current().select_related("unit", "user"),
        key=lambda m: (roles.index(m.role), m.name),
    )
    by_role = {
        role: list(group)
        for role, group in groupby(sorted(members, key=lambda m: m.role), key=lambda m: m.role)
    }
    by_source = [
        (label, [m for m in members if m.source == value]) for value, label in Member.Source.choices
    ]
    village_teams = (
        VillageWorkTeam.objects.visible_to(request.user)
        .in_area(team.township_id)
        .select_related("village", "unit")
    )
    leader = next(iter(by_role.get(Member.Role.LEADER, [])), None)
    return render(
        request,
        "teams/team_detail.html",
        {
            "team": team,
            "leader": leader,
            "deputy": next(iter(by_role.get(Member.Role.DEPUTY, [])), None),
            "members": by_role.get(Member.Role.MEMBER, []),
            "by_source": [(label, group) for label, group in by_source if group],
            "village_teams": village_teams,
            "can_manage": can_manage_team(request.user, team),
            "former_members": team.members.filter(left__isnull=False).select_related("unit"),
        },
    )


@login_required
def team_board(request, pk):
    """The printable public board (公示牌): names, duties, phones and tasks."""
    team = team_for(request, pk)
    members = team.members.current().select_related("unit").order_by("role", "name")
    return render(request, "teams/team_board.html", {"team": team, "members": members})


@login_required
def team_create(request):
    if not request.user.can_manage_county:
        raise PermissionDenied
    form = TeamForm(request.POST or None, user=request.user)
    if form.is_valid():
        team = form.save()
        messages.success(
            request, _("The team of %(township)s was set up.") % {"township": team.township.name}
        )
        return redirect(team)
    return render(request, "teams/team_form.html", {"form": form})


@login_required
def team_edit(request, pk):
    team = team_for(request, pk)
    if not can_manage_team(request.user, team):
        raise PermissionDenied
    form = TeamForm(request.POST or None, instance=team, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("The team was saved."))
        return redirect(team)
    return render(request, "teams/team_form.html", {"form": form, "team": team})


def _member_form(request, team, member=None):
    if not can_manage_team(request.user, team):
        raise PermissionDenied
    form = MemberForm(request.POST or None, instance=member, team=team, user=request.user)
    if form.is_valid():
        member = form.save()
        messages.success(request, _("%(name)s was saved.") % {"name": member.name})
        if member.leader_warning:
            messages.warning(request, member.leader_warning)
        return redirect(team)
    return render(request, "teams/member_form.html", {"form": form, "team": team, "member": member})


@login_required
def member_create(request, pk):
    return _member_form(request, team_for(request, pk))


@login_required
def member_edit(request, pk):
    member = get_visible_or_404(
        Member.objects.select_related("team__township"), request.user, pk=pk
    )
    return _member_form(request, member.team, member)
