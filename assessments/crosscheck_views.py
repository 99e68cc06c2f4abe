"""Cross-checks and data-quality findings (issue 22): the county matches other departments'
lists and runs the rules; a township team works through its worklist and reviews each
finding; every view of a finding is in the access log."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from assessments.forms import FindingFilter, FindingReviewForm, ListUploadForm
from assessments.quality import kind_labels, run_rules
from households.crosschecks import ReviewError, crosscheck_import, finding_review
from households.models import Access, Finding, Household, ListKind, OutsideList
from households.roster import RosterRefused
from households.services import log_access
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.tables import DATE, Column, list_workbook, wants_workbook


def _county_office(request):
    if not may(request.user, "import_lists"):
        raise Http404


def crosschecks(request):
    """The county's outside lists: upload one, see what each matched, run the rules."""
    _county_office(request)
    form = ListUploadForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        # The file is read from a temporary copy and not kept (docs/security.md).
        with tempfile.TemporaryDirectory(prefix="bangfu-list-") as workdir:
            path = Path(workdir) / f"list{Path(upload.name).suffix.lower()}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                report = crosscheck_import(
                    path,
                    kind=form.cleaned_data["kind"],
                    county=form.cleaned_data["county"],
                    as_of=form.cleaned_data["as_of"],
                    user=request.user,
                    file_name=upload.name,
                )
            except RosterRefused as refused:
                form.add_error("file", str(refused))
                report = refused
        if not form.errors:
            found = report.outside_list
            messages.success(
                request,
                _("%(rows)s rows matched: %(matched)s matches and %(leads)s leads to review.")
                % {"rows": report.rows, "matched": found.matched, "leads": found.leads},
            )
    lists = OutsideList.objects.visible_to(request.user).select_related("kind", "imported_by")
    return render(
        request,
        "assessments/crosschecks.html",
        {"form": form, "report": report, "lists": lists[:50]},
    )


@require_POST
def quality_run(request):
    """Run the data-quality rules over the user's registry now."""
    _county_office(request)
    opened = run_rules(Household.objects.visible_to(request.user))
    messages.success(
        request,
        _("The data-quality rules ran: %(count)s new findings.") % {"count": sum(opened.values())},
    )
    return redirect("assessments:findings")


def finding_columns(labels):
    """The worklist's columns, masked as on the page."""
    return [
        Column(_lazy("Kind"), value=lambda f: labels.get(f.kind, f.kind)),
        Column(_lazy("Township"), value=lambda f: f.area.name),
        Column(
            _lazy("Household"), value=lambda f: f.household.number if f.household else "", width=20
        ),
        Column(
            _lazy("Person"),
            value=lambda f: (
                f"{f.person.name} {f.person.masked_id_number}"
                if f.person
                else f"{f.masked_name} {f.masked_id_number}"
            ),
            width=28,
        ),
        Column(_lazy("Detail"), value=lambda f: f.detail, width=40),
        Column(_lazy("Found on"), value=lambda f: f.found_on, kind=DATE),
        Column(_lazy("State"), value=lambda f: f.get_state_display()),
        Column(_lazy("Reason"), value=lambda f: f.reason, width=40),
    ]


def findings(request):
    """The worklist: the findings of the user's area, what waits for action first."""
    labels = kind_labels()
    filters = FindingFilter(request.GET or None, user=request.user, labels=labels)
    rows = filters.filter(
        Finding.objects.visible_to(request.user).select_related("household", "person", "area")
    ).order_by("state", "area_id", "kind", "household__number", "pk")
    log_access(request, Access.Kind.FINDING, area_code=request.user.scope_code or "")
    if wants_workbook(request):
        title = _("Cross-checks and data quality")
        return list_workbook(title, (title, finding_columns(labels), rows))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for finding in page:
        finding.label = labels.get(finding.kind, finding.kind)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/findings.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


def finding(request, pk):
    """One finding, masked, and its review."""
    row = get_visible_or_404(
        Finding.objects.select_related(
            "household__village__parent", "person", "outside_list__kind", "reviewed_by", "area"
        ),
        request.user,
        pk=pk,
    )
    log_access(request, Access.Kind.FINDING, row.household, area_code=row.area_id)
    township = row.area_id if len(row.area_id) == 9 else None
    can_review = may(request.user, "review_findings", township_id=township)
    form = FindingReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        if form.is_valid():
            try:
                finding_review(row, by=request.user, **form.cleaned_data)
            except ReviewError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The review was recorded."))
                return redirect("assessments:findings")
    return render(
        request,
        "assessments/finding_detail.html",
        {
            "finding": row,
            "label": kind_labels().get(row.kind, row.kind),
            "form": form,
            "can_review": can_review and row.state != Finding.State.CLEARED,
            "proposes_exclusion": row.state == Finding.State.CONFIRMED
            and row.household_id
            and ListKind.objects.filter(code=row.kind, proposes_exclusion=True).exists(),
            "history": row.history.select_related("history_user").order_by("-history_date"),
        },
    )


def finding_counts(user):
    """Pending findings per township and kind, for the dashboard: the kinds that occur, and
    a row per area with a count for each (one query)."""
    rows = (
        Finding.objects.visible_to(user)
        .pending()
        .values_list("area_id", "area__name", "kind")
        .annotate(n=Count("pk"))
        .order_by("area_id", "kind")
    )
    counts, names = {}, {}
    for area, name, kind, n in rows:
        names[area] = name
        counts.setdefault(area, {})[kind] = n
    labels = kind_labels()
    present = [code for code in labels if any(code in kinds for kinds in counts.values())]
    return {
        "kinds": [(code, labels[code]) for code in present],
        "rows": [
            (area, names[area], [(code, counts[area].get(code, 0)) for code in present])
            for area in counts
        ],
    }
