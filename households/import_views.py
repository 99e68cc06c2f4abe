"""The roster import in the browser: upload → report or preview → confirm → progress."""

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from households.forms import RosterUploadForm
from households.models import Access, Disclosure, Household
from households.models.imports import ImportJob
from households.roster import REPAIRS
from households.roster.columns import COLUMNS
from households.roster.reading import RosterRefused, error_workbook
from households.services import disclosure_log, log_access
from households.tasks import ImportBusy, import_job_check, import_job_start
from teams.permissions import may
from teams.scope import get_visible_or_404


def _officer(request):
    """Only county offices import; anyone else is told nothing exists here."""
    if not may(request.user, "keep_registry"):
        raise Http404


def job_for(request, pk):
    _officer(request)
    return get_visible_or_404(
        ImportJob.objects.select_related("county", "created_by"), request.user, pk=pk
    )


def job_list(request):
    _officer(request)
    jobs = ImportJob.objects.visible_to(request.user).select_related("county", "created_by")
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(request, "households/import/job_list.html", {"page": page})


def upload(request):
    _officer(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            county=form.cleaned_data["county"],
            file=upload,
            file_name=upload.name[:200],
            status=ImportJob.Status.CHECKED,
            created_by=request.user,
        )
        import_job_check(job)
        return redirect(job)
    return render(request, "households/import/upload.html", {"form": form})


WARNINGS = {
    "all_members_replaced": gettext_lazy(
        "None of the registered members stays in this household: check that the household "
        "number is right."
    ),
}


def _planned(entry):
    """One household of the plan as the preview shows it (see `roster._Roster.entry`)."""
    if entry["new"]:
        return {"number": entry["number"], "new": True, "persons": entry["persons"]}
    changes = []
    for key, old, new, *person in entry["changes"]:
        column = _("Head of household") if key == "head" else COLUMNS[key.removesuffix("_id")][0]
        changes.append(
            {"person": person[0] if person else "", "column": column, "old": old, "new": new}
        )
    return {
        "number": entry["number"],
        "changes": changes,
        "in": entry["in"],
        "out": entry["out"],
        "warnings": [WARNINGS[code] for code in entry.get("warnings", [])],
    }


def job_detail(request, pk):
    job = job_for(request, pk)
    summary = job.summary
    # The problems, else the plan, household by household, a page at a time.
    listed = job.problems or summary.get("entries", [])
    page = Paginator(listed, 200).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "problems": page if job.problems else None,
        "entries": None if job.problems else [_planned(entry) for entry in page],
        "page": page,
        "repairs": [(REPAIRS[key], count) for key, count in summary.get("repairs", {}).items()],
        "missing": summary.get("missing", [])[:500],
    }
    if job.status == ImportJob.Status.DONE:
        numbers = (
            Household.objects.in_area(job.county_id)
            .order_by("-pk")
            .values_list("number", flat=True)
        )
        context["households"] = numbers[:20]
    return render(request, "households/import/job_detail.html", context)


def job_status(request, pk):
    job = job_for(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "rows_done": job.rows_done,
            "row_count": job.row_count,
            "percent": job.percent,
            "busy": job.is_busy,
        }
    )


@require_POST
def job_confirm(request, pk):
    job = job_for(request, pk)
    if job.status != ImportJob.Status.CHECKED:
        messages.error(request, _("Only a checked roster without errors can be imported."))
        return redirect(job)
    if not job.file:
        messages.error(request, _("The uploaded file is no longer kept; upload it again."))
        return redirect(job)
    try:
        import_job_start(job)
    except ImportBusy as exc:
        messages.error(request, str(exc))
    return redirect(job)


def job_errors(request, pk):
    """The upload with a column of its errors, to fix and upload again."""
    job = job_for(request, pk)
    output = io.BytesIO()
    if not job.file:
        raise Http404
    try:
        with job.plain_copy() as path:
            error_workbook(path, job.problems, output)
    except (RosterRefused, FileNotFoundError) as exc:
        raise Http404 from exc
    # The upload as it was, full ID numbers included: a full export, logged as one.
    disclosure_log(
        action=Disclosure.Action.EXPORT,
        user=request.user,
        area_code=job.county_id,
        record=f"importjob {job.pk}",
        field="file",
        reason=_("The uploaded roster, returned with its errors to be fixed."),
    )
    log_access(request, Access.Kind.EXPORT, area_code=job.county_id)
    output.seek(0)
    name = job.file_name.rsplit(".", 1)[0] + "-errors.xlsx"
    return FileResponse(output, as_attachment=True, filename=name)
