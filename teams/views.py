import datetime
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Prefetch
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from teams.forms import (
    AttachmentForm,
    MemberForm,
    PresenceMonthForm,
    SixHavesChecklistForm,
    TeamForm,
    WorkGroupForm,
    WorkRecordForm,
)
from teams.locking import save_or_conflict, status
from teams.models import (
    Member,
    Presence,
    Team,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
    add_months,
    month_start,
)
from teams.models.organisation import RANK_ORDER
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.services import (
    long_absences,
    presence_record,
    six_haves_status,
    stationed_members,
    uncovered_villages,
)
from teams.tables import COUNT, DATE, Column, list_workbook, wants_workbook


@login_not_required
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


TEAM_COLUMNS = [
    Column(_lazy("Township"), value=lambda t: t.township.name),
    Column(_lazy("County"), value=lambda t: t.township.parent.name if t.township.parent else ""),
    Column(_lazy("Date set up"), value=lambda t: t.established, kind=DATE),
    Column(_lazy("Office phone"), value=lambda t: t.office_phone),
]
SHORTFALL_COLUMNS = [
    Column(_lazy("Team"), value=lambda row: row[0].township.name),
    Column(
        _lazy("Items missing"),
        value=lambda row: "、".join(
            f"{status.item.name}（{status.missing_since:%Y-%m-%d}）"
            if status.missing_since
            else status.item.name
            for status in row[1]
        ),
        width=60,
    ),
]
ABSENCE_COLUMNS = [
    Column(_lazy("Stationed cadre"), value=lambda m: m.name),
    Column(_lazy("Township"), value=lambda m: m.team.township.name),
    Column(
        _lazy("Days on site"),
        value=lambda m: "、".join(f"{e.month:%Y-%m} {e.days_on_site}" for e in m.recent),
        width=30,
    ),
    Column(_lazy("Dispatching unit"), value=lambda m: str(m.unit or "")),
    Column(_lazy("Head of unit"), value=lambda m: m.unit.head if m.unit else ""),
    Column(_lazy("Head's phone"), value=lambda m: m.unit.head_phone if m.unit else ""),
]


def team_list(request):
    teams = (
        Team.objects.visible_to(request.user)
        .select_related("township__parent")
        .order_by("township_id")
    )
    if wants_workbook(request):
        return list_workbook(_("Township teams"), (_("Township teams"), TEAM_COLUMNS, teams))
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    return render(request, "teams/team_list.html", {"page": page})


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
            "can_manage": may(request.user, "manage_team", team=team),
            "recent_records": team.work_records.all()[:5],
            "six_haves": six_haves_status([team])[team.pk],
            "group_count": team.work_groups.count(),
            "uncovered_villages": uncovered_villages(team),
            "former_members": team.members.filter(left__isnull=False).select_related("unit"),
        },
    )


def team_board(request, pk):
    """The printable public board (公示牌): names, duties, phones and tasks."""
    team = team_for(request, pk)
    members = team.members.current().select_related("unit").order_by(*RANK_ORDER)
    rules = [
        (_("Tasks of the team"), team.tasks),
        (_("Work rules"), team.work_rules),
        (_("Discipline rules"), team.discipline_rules),
        (_("Fund management rules"), team.fund_rules),
    ]
    return render(
        request, "teams/team_board.html", {"team": team, "members": members, "rules": rules}
    )


def team_create(request):
    if not may(request.user, "create_teams"):
        raise PermissionDenied
    form = TeamForm(request.POST or None, user=request.user)
    if form.is_valid():
        team = form.save()
        messages.success(
            request, _("The team of %(township)s was set up.") % {"township": team.township.name}
        )
        return redirect(team)
    return render(request, "teams/team_form.html", {"form": form})


def team_edit(request, pk):
    team = team_for(request, pk)
    if not may(request.user, "manage_team", team=team):
        raise PermissionDenied
    form = TeamForm(request.POST or None, instance=team, user=request.user)
    context = {"form": form, "team": team}
    if form.is_valid() and save_or_conflict(form, context):
        messages.success(request, _("The team was saved."))
        return redirect(team)
    return render(request, "teams/team_form.html", context, status=status(context))


def _member_form(request, team, member=None):
    if not may(request.user, "manage_team", team=team):
        raise PermissionDenied
    form = MemberForm(request.POST or None, instance=member, team=team, user=request.user)
    context = {"form": form, "team": team, "member": member}
    if form.is_valid() and (member := save_or_conflict(form, context)):
        messages.success(request, _("%(name)s was saved.") % {"name": member.name})
        if member.leader_warning:
            messages.warning(request, member.leader_warning)
        if member.left and member.households.exists():
            # 不脱贫不脱钩: the households of a cadre who leaves are handed to another now.
            messages.warning(
                request,
                _("%(name)s has left the team: hand their households to another cadre.")
                % {"name": member.name},
            )
            return redirect("households:handover", pk=member.pk)
        return redirect(team)
    return render(request, "teams/member_form.html", context, status=status(context))


def member_create(request, pk):
    return _member_form(request, team_for(request, pk))


def member_edit(request, pk):
    member = get_visible_or_404(
        Member.objects.select_related("team__township"), request.user, pk=pk
    )
    return _member_form(request, member.team, member)


# Work records (工作制度): study sessions, meetings, analysis sessions, situation reports.


RECORD_COLUMNS = [
    Column(_lazy("Date"), value=lambda r: r.date, kind=DATE),
    Column(_lazy("Kind"), value=lambda r: r.get_kind_display()),
    Column(_lazy("Title"), value=lambda r: r.title, width=40),
    Column(_lazy("Attendees"), value=lambda r: r.attendee_count, kind=COUNT),
    Column(_lazy("Attachments"), value=lambda r: r.attachment_count, kind=COUNT),
]


def record_list(request, pk):
    team = team_for(request, pk)
    records = team.work_records.order_by("-date", "-pk").annotate(
        attendee_count=Count("attendees", distinct=True),
        attachment_count=Count("attachments", distinct=True),
    )
    kind = request.GET.get("kind", "")
    if kind in WorkRecord.Kind.values:
        records = records.filter(kind=kind)
    if wants_workbook(request):
        title = f"{team.township.name} {_('Work records')}"
        return list_workbook(title, (_("Work records"), RECORD_COLUMNS, records))
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/record_list.html",
        {
            "team": team,
            "page": page,
            "kinds": WorkRecord.Kind.choices,
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
            "can_add": may(request.user, "add_work_record", team=team),
        },
    )


def record_for(request, pk):
    return get_visible_or_404(
        WorkRecord.objects.select_related("team__township", "created_by"), request.user, pk=pk
    )


def _record_page(request, record, attachment_form=None):
    can_add = may(request.user, "add_work_record", team=record.team)
    return render(
        request,
        "teams/record_detail.html",
        {
            "team": record.team,
            "record": record,
            "attendees": record.attendees.all(),
            "attachments": record.attachments.all(),
            "can_add": can_add,
            "attachment_form": attachment_form or (AttachmentForm() if can_add else None),
        },
    )


def record_detail(request, pk):
    return _record_page(request, record_for(request, pk))


def _record_form(request, team, record=None):
    if not may(request.user, "add_work_record", team=team):
        raise PermissionDenied
    form = WorkRecordForm(
        request.POST or None,
        instance=record,
        team=team,
        user=request.user,
        # Today for a new record; an initial value would hide the date of an edited one.
        initial=None if record else {"date": timezone.localdate()},
    )
    if record is None:
        form.instance.created_by = request.user
    context = {"form": form, "team": team, "title": record or _("New work record")}
    if form.is_valid() and (record := save_or_conflict(form, context)):
        messages.success(request, _("The record was saved."))
        return redirect(record)
    return render(request, "teams/work_form.html", context, status=status(context))


def record_create(request, pk):
    return _record_form(request, team_for(request, pk))


def record_edit(request, pk):
    record = record_for(request, pk)
    return _record_form(request, record.team, record)


@require_POST
def attachment_add(request, pk):
    record = record_for(request, pk)
    if not may(request.user, "add_work_record", team=record.team):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    form.instance.record = record
    form.instance.uploaded_by = request.user
    if not form.is_valid():
        return _record_page(request, record, form)
    attachment = form.save()
    messages.success(request, _("%(name)s was attached.") % {"name": attachment.name})
    return redirect(record)


def attachment_download(request, pk):
    """The file, to those who may see its record only; always a download, never shown inline."""
    attachment = get_visible_or_404(WorkRecordAttachment.objects, request.user, pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# The 六有 checklist.


def six_haves(request, pk):
    team = team_for(request, pk)
    return render(
        request,
        "teams/six_haves.html",
        {
            "team": team,
            "statuses": six_haves_status([team])[team.pk],
            "checks": team.six_haves_checks.select_related("item", "checked_by")[:100],
            "can_manage": may(request.user, "manage_team", team=team),
        },
    )


def six_haves_check(request, pk):
    """The whole 六有 checklist in one form."""
    team = team_for(request, pk)
    if not may(request.user, "manage_team", team=team):
        raise PermissionDenied
    form = SixHavesChecklistForm(
        request.POST or None, team=team, statuses=six_haves_status([team])[team.pk]
    )
    if form.is_valid():
        with transaction.atomic():
            checks = form.save(request.user)
        messages.success(
            request, _("%(count)s items of the 六有 checklist checked.") % {"count": len(checks)}
        )
        return redirect("teams:six_haves", team.pk)
    return render(request, "teams/six_haves_form.html", {"form": form, "team": team})


def six_haves_shortfalls(request):
    """Teams in the user's area short of one or more 六有 items, with since when."""
    teams = list(
        Team.objects.visible_to(request.user).select_related("township").order_by("township_id")
    )
    statuses = six_haves_status(teams)
    short = [
        (team, [status for status in statuses[team.pk] if not status.met])
        for team in teams
        if not all(status.met for status in statuses[team.pk])
    ]
    if wants_workbook(request):
        title = _("Teams short of 六有")
        return list_workbook(title, (title, SHORTFALL_COLUMNS, short))
    page = Paginator(short, 50).get_page(request.GET.get("page"))
    return render(
        request, "teams/six_haves_shortfalls.html", {"page": page, "team_count": len(teams)}
    )


# Groups covering villages (分组包片).


def group_list(request, pk):
    team = team_for(request, pk)
    groups = team.work_groups.prefetch_related(
        Prefetch("members", queryset=Member.objects.unscoped().order_by("name")), "villages"
    )
    return render(
        request,
        "teams/group_list.html",
        {
            "team": team,
            "groups": groups,
            "uncovered_villages": uncovered_villages(team),
            "can_manage": may(request.user, "manage_team", team=team),
        },
    )


def _group_form(request, team, group=None):
    if not may(request.user, "manage_team", team=team):
        raise PermissionDenied
    form = WorkGroupForm(request.POST or None, instance=group, team=team, user=request.user)
    context = {"form": form, "team": team, "title": group or _("New work group")}
    if form.is_valid() and (group := save_or_conflict(form, context)):
        messages.success(request, _("%(name)s was saved.") % {"name": group.name})
        return redirect("teams:groups", team.pk)
    return render(request, "teams/work_form.html", context, status=status(context))


def group_create(request, pk):
    return _group_form(request, team_for(request, pk))


def group_edit(request, pk):
    group = get_visible_or_404(
        WorkGroup.objects.select_related("team__township"), request.user, pk=pk
    )
    return _group_form(request, group.team, group)


# Presence of stationed cadres on site (docs/domain.md §4).


def parse_month(value):
    """The first day of the month written ``YYYY-MM`` (an <input type=month>), or None."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()  # noqa: DTZ007 (a date)
    except ValueError:
        return None


def presence(request, pk):
    """A year of days on site of the team's stationed cadres; the month's entry form below."""
    team = team_for(request, pk)
    presences = Presence.objects.visible_to(request.user)
    latest = presences.filter(member__team=team).aggregate(month=Max("month"))["month"]
    month = parse_month(request.GET.get("month")) or latest or month_start(timezone.localdate())
    members = list(stationed_members(team, month))
    can_manage = may(request.user, "manage_team", team=team)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = None
    if can_manage:
        recorded = presences.filter(month=month, member__team=team).values_list(
            "member_id", "days_on_site"
        )
        form = PresenceMonthForm(
            request.POST or None,
            members=members,
            month=month,
            initial={f"member_{pk}": days for pk, days in recorded},
        )
        if form.is_valid():
            saved, removed = presence_record(month=month, days=form.days(), user=request.user)
            messages.success(
                request,
                _("Presence for %(month)s saved: %(saved)d entered, %(removed)d removed.")
                % {"month": f"{month:%Y-%m}", "saved": saved, "removed": removed},
            )
            return redirect(f"{request.path}?month={month:%Y-%m}")
    months = [add_months(month, n) for n in range(-11, 1)]
    entries = {
        (p.member_id, p.month): p
        for p in presences.filter(member__in=members, month__range=(months[0], month))
    }
    rows = [(m, [entries.get((m.pk, day)) for day in months]) for m in members]
    return render(
        request,
        "teams/presence.html",
        {
            "team": team,
            "month": month,
            "months": months,
            "rows": rows,
            "form": form,
            "min_days": settings.PRESENCE_MIN_DAYS,
        },
    )


def absences(request):
    """Long-absent stationed cadres in the user's area, with their unit and its head (问责)."""
    latest = Presence.objects.visible_to(request.user).aggregate(month=Max("month"))["month"]
    month = parse_month(request.GET.get("month")) or latest or month_start(timezone.localdate())
    cadres = long_absences(Member.objects.visible_to(request.user), until=month)
    if wants_workbook(request):
        title = _("Long-absent stationed cadres")
        return list_workbook(title, (title, ABSENCE_COLUMNS, cadres))
    page = Paginator(cadres, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/absences.html",
        {
            "page": page,
            "month": month,
            "query": f"month={month:%Y-%m}",
            "min_days": settings.PRESENCE_MIN_DAYS,
            "months": settings.PRESENCE_ABSENT_MONTHS,
        },
    )
