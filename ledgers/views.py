"""The ledger pages: "my households", a household's ledger, its printable book, the export.

Records are added and edited in place: the add/edit/delete endpoints answer a request carrying
``HX-Request: true`` (sent by static/js/ledger.js) with an HTML fragment, and any other request
with a full page and a redirect back to the ledger, so everything works without JavaScript.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from households.models import Access, Household, Person
from households.services import log_access
from ledgers import selectors
from ledgers.access import household_for
from ledgers.forms import GuaranteeForm, IncomeForm, MeasureForm, PlanForm, VisitForm, photo_type
from ledgers.models import VisitPhoto
from teams.locking import (
    EditConflict,
    conflict_details,
    delete_versioned,
    save_or_conflict,
    status,
)
from teams.models import Area
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.tables import XLSX

#: A household not visited for this long comes first on "my households".


@dataclass(frozen=True)
class Kind:
    """One kind of ledger record: its form and the section of the ledger page showing it."""

    name: str
    form: type

    @property
    def model(self):
        return self.form._meta.model

    @property
    def verbose_name(self):
        return self.model._meta.verbose_name

    @property
    def section_template(self):
        return f"ledgers/_{self.name}s.html"


KINDS = {
    kind.name: kind
    for kind in [
        Kind("plan", PlanForm),
        Kind("measure", MeasureForm),
        Kind("visit", VisitForm),
        Kind("income", IncomeForm),
        Kind("guarantee", GuaranteeForm),
    ]
}


def kind_or_404(name):
    try:
        return KINDS[name]
    except KeyError as exc:
        raise Http404 from exc


def is_fragment(request):
    return request.headers.get("HX-Request") == "true"


def _mine(request):
    """(households, context) of 我的帮扶户: a contact cadre's households, those not visited
    for longest first.

    Team members switch to every active household of their scope with ``?all=1``; users who
    are not team members (county, city, province offices) always see those. ``q`` searches
    names and numbers, ``due=1`` keeps the households whose visit is due.
    """
    member = getattr(request.user, "member", None)
    households = Household.objects.visible_to(request.user).filter(
        status__in=Household.ACTIVE_STATUSES
    )
    show_all = member is None or request.GET.get("all") == "1"
    if not show_all:
        households = households.filter(contact_cadre=member)
    search = request.GET.get("q", "").strip()
    if search:
        named = Person.objects.unscoped().filter(household=OuterRef("pk"), name__contains=search)
        households = households.filter(Q(number__contains=search) | Q(Exists(named)))
    households = selectors.with_ledger_summary(
        households.select_related("village", "main_cause", "contact_cadre").with_head()
    ).order_by(F("last_visit").asc(nulls_first=True), "number")
    since = selectors.visits_count_from(timezone.localdate())
    due = Q(last_visit__isnull=True) | Q(last_visit__lt=since)
    only_due = request.GET.get("due") == "1"
    context = {
        "member": member,
        "show_all": show_all,
        "search": search,
        "due_count": households.filter(due).count(),
        "only_due": only_due,
        "since": since,
        "query": urlencode(
            [("all", "1")] * show_all + [("q", search)] * bool(search) + [("due", "1")] * only_due
        ),
    }
    return households.filter(due) if only_due else households, context


def my_households(request):
    households, context = _mine(request)
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    standards = selectors.standards()
    for household in page:
        household.overdue = household.last_visit is None or household.last_visit < context["since"]
        household.standing = selectors.standing(
            household.income_per_capita, standards.get(household.income_year)
        )
    return render(request, "ledgers/my_households.html", {**context, "page": page})


@require_GET
def my_households_xlsx(request):
    """The ledgers of the households listed, as the page filters them."""
    households, _context = _mine(request)
    log_access(request, Access.Kind.EXPORT, area_code=request.user.area_id or "")
    listed = Household.objects.visible_to(request.user).filter(pk__in=households.values("pk"))
    content = selectors.ledgers_workbook(listed)
    return _xlsx(content, f"帮扶记录簿-{timezone.localdate():%Y%m%d}.xlsx")


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def ledger_context(request, household):
    return {
        "household": household,
        "can_edit": may(request.user, "keep_ledger", household=household),
        "can_reveal": may(request.user, "reveal", household=household),
        **selectors.ledger_page(household),
    }


#: On the ledger page, the records of a long section shown before its 查看全部 link.
COLLAPSE_AFTER = 3


def ledger(request, pk):
    household = household_for(request, pk)
    log_access(request, Access.Kind.LEDGER, household)
    context = ledger_context(request, household)
    context |= {"collapse_after": COLLAPSE_AFTER, "expanded": request.GET.get("show")}
    return render(request, "ledgers/ledger.html", context)


def ledger_print(request, pk):
    """The printable 帮扶记录簿 of one household."""
    household = household_for(request, pk)
    log_access(request, Access.Kind.PRINT, household)
    context = ledger_context(request, household)
    context["printed_on"] = timezone.localdate()
    return render(request, "ledgers/ledger_print.html", context)


def household_card(request, pk):
    """The household card (户有卡), printable: the family, its measures and incomes, the contact
    cadre's phone, and a QR code linking to the household page."""
    household = household_for(request, pk)
    log_access(request, Access.Kind.CARD, household)
    url = request.build_absolute_uri(household.get_absolute_url())
    context = {
        "household": household,
        "persons": household.persons.current().select_related(*Person.REFERENCES),
        "qr": segno.make(url, error="m").svg_inline(scale=3),
        "today": timezone.localdate(),
        **selectors.ledger_sections(household, ["measure", "income"]),
    }
    return render(request, "ledgers/household_card.html", context)


def ledger_history(request, pk):
    """Every change to the household's ledger, deletions included, newest first."""
    household = household_for(request, pk)
    log_access(request, Access.Kind.HISTORY, household)
    return render(
        request,
        "ledgers/ledger_history.html",
        {"household": household, "changes": selectors.ledger_changes(household)},
    )


def _section_response(request, household, kind):
    """After a change: the refreshed section (fragment) or back to the ledger (full page)."""
    if is_fragment(request):
        context = {
            "household": household,
            "can_edit": True,
            "collapse_after": COLLAPSE_AFTER,
            **selectors.ledger_sections(household, [kind.name]),
        }
        response = render(request, kind.section_template, context)
        response["X-Ledger-Section"] = kind.name
        return response
    return redirect(f"{selectors.ledger_url(household)}#{kind.name}s")


def _edit(request, household, kind, item):
    if not may(request.user, "keep_ledger", household=household):
        raise PermissionDenied
    form = kind.form(
        request.POST or None,
        request.FILES or None,
        instance=item,
        household=household,
        user=request.user,
    )
    context = {"household": household, "kind": kind, "item": item, "form": form}
    if request.method == "POST" and form.is_valid() and save_or_conflict(form, context):
        if not is_fragment(request):
            messages.success(request, _("Saved."))
        return _section_response(request, household, kind)
    template = "ledgers/_form.html" if is_fragment(request) else "ledgers/item_form.html"
    return TemplateResponse(request, template, context, status=status(context))


def item_create(request, pk, kind):
    household = household_for(request, pk)
    kind = kind_or_404(kind)
    return _edit(request, household, kind, kind.model(household=household))


def item_for(request, kind, pk):
    return get_visible_or_404(
        kind.model.objects.select_related("household__village__parent", "household__contact_cadre"),
        request.user,
        pk=pk,
    )


def item_edit(request, kind, pk):
    kind = kind_or_404(kind)
    item = item_for(request, kind, pk)
    return _edit(request, item.household, kind, item)


def item_delete(request, kind, pk):
    kind = kind_or_404(kind)
    item = item_for(request, kind, pk)
    household = item.household
    if not may(request.user, "keep_ledger", household=household):
        raise PermissionDenied
    context = {"household": household, "kind": kind, "item": item}
    if request.method == "POST":
        version = request.POST.get("version") or "0"
        if not version.isascii() or not version.isdigit():
            return HttpResponseBadRequest(_("The page is out of date: reload it and try again."))
        try:
            delete_versioned(item, version=int(version))
        except EditConflict as conflict:
            context.update(conflict_details(conflict.current, kind.form._meta.fields))
        else:
            if not is_fragment(request):
                messages.success(request, _("Deleted."))
            return _section_response(request, household, kind)
    template = "ledgers/_delete.html" if is_fragment(request) else "ledgers/item_delete.html"
    return TemplateResponse(request, template, context, status=status(context))


@login_not_required
@require_GET
def service_worker(request):
    """static/js/sw.js at the site's root, so that it may keep the ledger pages (a worker
    covers only the paths under its own), never cached by the browser."""
    path = finders.find("js/sw.js")
    response = FileResponse(open(path, "rb"), content_type="text/javascript")  # noqa: SIM115
    response["Service-Worker-Allowed"] = "/"
    add_never_cache_headers(response)
    return response


@require_GET
def visit_photo(request, pk):
    """A photo of a visit, to users who may see the household only."""
    photo = get_visible_or_404(
        VisitPhoto.objects.select_related("visit__household"), request.user, pk=pk
    )
    log_access(request, Access.Kind.PHOTO, photo.visit.household)
    try:
        handle = photo.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = photo_type(handle.read(12))
    handle.seek(0)
    return FileResponse(handle, content_type=kind[1] if kind else "application/octet-stream")


@require_GET
def export(request):
    """The ledgers of a village or township as an .xlsx workbook (one sheet per record kind)."""
    code = request.GET.get("area", "")
    area = get_visible_or_404(Area.objects.all(), request.user, code=code)
    if area.level not in (Area.Level.TOWNSHIP, Area.Level.VILLAGE):
        raise Http404
    log_access(request, Access.Kind.EXPORT, area_code=area.code)
    content = selectors.ledgers_workbook(
        Household.objects.visible_to(request.user).in_area(area.code)
    )
    return _xlsx(content, f"ledgers-{area.code}-{timezone.localdate():%Y%m%d}.xlsx")
