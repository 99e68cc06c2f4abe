"""Inspections (定期 / 不定期检查) of the teams and the rectification items they set (§3.4).

County offices record inspections and their items; a township team's leader and deputy report
the progress of their team's items and close them with evidence; city and province read.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assessments.forms import (
    InspectionForm,
    RectificationFilter,
    RectificationForm,
    RectificationProgressForm,
)
from assessments.models import Inspection, Rectification
from teams.locking import save_or_conflict, status
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.tables import DATE, Column, list_workbook, wants_workbook

INSPECTION_COLUMNS = [
    Column(_lazy("Date"), value=lambda i: i.date, kind=DATE),
    Column(_lazy("Township"), value=lambda i: i.team.township.name),
    Column(_lazy("Kind"), value=lambda i: i.get_kind_display()),
    Column(_lazy("Inspectors"), value=lambda i: i.inspectors, width=20),
    Column(_lazy("Findings"), value=lambda i: i.findings, width=60),
]


def rectification_state(item, today):
    """What the list says of an item: closed (on a day), past its deadline, or open."""
    if item.closed_on:
        return _("Closed %(day)s") % {"day": f"{item.closed_on:%Y-%m-%d}"}
    return _("Past its deadline") if item.deadline < today else _("Open")


def rectification_columns(today):
    return [
        Column(_lazy("Township"), value=lambda r: r.inspection.team.township.name),
        Column(_lazy("Inspection"), value=lambda r: r.inspection.date, kind=DATE),
        Column(_lazy("What to fix"), value=lambda r: r.item, width=40),
        Column(_lazy("Responsible person"), value=lambda r: r.owner),
        Column(_lazy("Deadline"), value=lambda r: r.deadline, kind=DATE),
        Column(_lazy("State"), value=lambda r: rectification_state(r, today)),
        Column(_lazy("Progress"), value=lambda r: r.progress, width=40),
        Column(_lazy("Evidence"), value=lambda r: r.evidence, width=30),
    ]


def _require_county(user):
    if not may(user, "assess"):
        raise PermissionDenied


def inspection_list(request):
    inspections = (
        Inspection.objects.visible_to(request.user)
        .select_related("team__township")
        .order_by("-date", "-pk")
    )
    if wants_workbook(request):
        return list_workbook(_("Inspections"), (_("Inspections"), INSPECTION_COLUMNS, inspections))
    page = Paginator(inspections, 50).get_page(request.GET.get("page"))
    return render(request, "assessments/inspection_list.html", {"page": page})


def inspection_create(request):
    _require_county(request.user)
    form = InspectionForm(request.POST or None, user=request.user)
    if form.is_valid():
        form.instance.recorded_by = request.user
        inspection = form.save()
        messages.success(request, _("Inspection recorded: add the items to rectify."))
        return redirect(inspection)
    return render(
        request, "assessments/form.html", {"form": form, "title": _("Record an inspection")}
    )


def _inspection_for(request, pk):
    return get_visible_or_404(
        Inspection.objects.select_related("team__township"), request.user, pk=pk
    )


def inspection_detail(request, pk):
    inspection = _inspection_for(request, pk)
    form = None
    if may(request.user, "assess"):
        form = RectificationForm(request.POST or None)
        if form.is_valid():
            form.instance.inspection = inspection
            form.save()
            messages.success(request, _("Rectification item added."))
            return redirect(inspection)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "assessments/inspection_detail.html",
        {
            "inspection": inspection,
            "rectifications": inspection.rectifications.all(),
            "form": form,
            "today": timezone.localdate(),
            "can_report": may(request.user, "manage_team", team=inspection.team),
        },
    )


def rectification_list(request):
    today = timezone.localdate()
    filters = RectificationFilter(request.GET or None, user=request.user)
    rectifications = filters.filter(
        Rectification.objects.visible_to(request.user).select_related("inspection__team__township"),
        today,
    ).order_by("closed_on", "deadline", "pk")
    if wants_workbook(request):
        title = _("Rectification items")
        return list_workbook(title, (title, rectification_columns(today), rectifications))
    page = Paginator(rectifications, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/rectification_list.html",
        {"page": page, "filters": filters, "query": query.urlencode(), "today": today},
    )


def rectification_edit(request, pk):
    """The team's leader or deputy (and the county) report progress and close the item."""
    rectification = get_visible_or_404(
        Rectification.objects.select_related("inspection__team__township"), request.user, pk=pk
    )
    if not may(request.user, "manage_team", team=rectification.inspection.team):
        raise PermissionDenied
    form = RectificationProgressForm(
        request.POST or None, instance=rectification, user=request.user
    )
    context = {"form": form, "title": rectification.item, "back": rectification.inspection}
    if form.is_valid() and save_or_conflict(form, context):
        messages.success(request, _("Progress saved."))
        return redirect(rectification.inspection)
    return render(request, "assessments/form.html", context, status=status(context))
