from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from households import coverage, services
from households.exports import register_workbook
from households.forms import (
    AssessmentForm,
    CadreForm,
    HandoverForm,
    HeadChangeForm,
    HouseholdFilter,
    HouseholdForm,
    IdentificationStepForm,
    IdNumberSearchForm,
    MemberChangeForm,
    MoveOutForm,
    ObjectionForm,
    ObjectionResolveForm,
    PersonForm,
    ReceiveForm,
    ReceiveHouseholdForm,
    RevealForm,
    StatusChangeForm,
    VillageNoticeForm,
)
from households.models import (
    Access,
    Household,
    IdentificationStep,
    MemberChange,
    Objection,
    Person,
)
from households.services import HouseholdError
from teams.locking import save_or_conflict, status
from teams.models import Area, Member, Team
from teams.permissions import may, refusal
from teams.scope import get_visible_or_404
from teams.tables import (
    COUNT,
    Column,
    list_workbook,
    wants_workbook,
    workbook_response,
    write_table,
)

Status = Household.Status


def household_for(request, pk):
    """The household if the user may see it, with what its pages need; 404 otherwise."""
    return get_visible_or_404(
        Household.objects.select_related(
            "village__parent", "attribute", "ability", "main_cause", "contact_cadre__team"
        ).with_head(),
        request.user,
        pk=pk,
    )


def village_for(request, code):
    return get_visible_or_404(
        Area.objects.filter(level=Area.Level.VILLAGE).select_related("parent"),
        request.user,
        code=code,
    )


def _require(allowed):
    if not allowed:
        raise PermissionDenied


#: The 攻坚图 of the user's own area, offered on the household list.
MAP_URLS = {Area.Level.COUNTY: "households:county_map", Area.Level.TOWNSHIP: "households:map"}


#: The columns of the household list, on the page and in its workbook.
LIST_COLUMNS = [
    Column(_lazy("Household number"), value=lambda h: h.number, width=20),
    Column(_lazy("Head of household"), value=lambda h: h.head.name if h.head else "—"),
    Column(_lazy("Village"), value=lambda h: f"{h.village.parent.name} {h.village.name}", width=20),
    Column(_lazy("Household size"), value=lambda h: h.size, kind=COUNT),
    Column(_lazy("Attribute"), value=lambda h: str(h.attribute or "")),
    Column(_lazy("Main cause"), value=lambda h: str(h.main_cause or "")),
    Column(_lazy("Contact cadre"), value=lambda h: str(h.contact_cadre or "")),
    Column(_lazy("Status"), value=lambda h: h.get_status_display()),
]


COVERAGE_HOUSEHOLDS = [
    LIST_COLUMNS[0],
    LIST_COLUMNS[1],
    Column(_lazy("Village"), value=lambda h: h.village.name),
    Column(_lazy("Contact cadre"), value=lambda h: str(h.contact_cadre or "—")),
]
CADRE_LOAD_COLUMNS = [
    Column(_lazy("Cadre"), value=lambda load: load.cadre.name),
    Column(_lazy("Post"), value=lambda load: load.cadre.post),
    Column(_lazy("Households"), value=lambda load: len(load.households), kind=COUNT),
    Column(
        _lazy("Linked households"),
        value=lambda load: "、".join(
            f"{h.number} {h.head.name if h.head else ''}".strip() for h in load.households
        ),
        width=80,
    ),
]


def _listed(request, filters):
    """The households of the list: the user's, narrowed by ``filters``."""
    return filters.filter(
        Household.objects.visible_to(request.user)
        .select_related("village__parent", "attribute", "main_cause", "contact_cadre")
        .annotate(size=Count("persons", filter=Q(persons__left_on__isnull=True)))
        .with_head()
        .order_by("number")
    )


def household_list(request):
    user = request.user
    filters = HouseholdFilter(request.GET or None, user=user)
    by_id_number = IdNumberSearchForm(request.POST or None)
    households = _listed(request, filters)
    if request.method == "POST":
        households = _listed(request, HouseholdFilter(None, user=user))
        households = (
            by_id_number.filter(households) if by_id_number.is_valid() else households.none()
        )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    can_receive = may(user, "move_household")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "households/household_list.html",
        {
            "page": page,
            "columns": LIST_COLUMNS,
            "filters": filters,
            "by_id_number": by_id_number,
            "query": query.urlencode(),
            "can_edit": may(user, "keep_household"),
            "can_receive": can_receive,
            "arriving": MemberChange.objects.arriving(user).count() if can_receive else 0,
            "map_url": reverse(MAP_URLS[user.area.level], args=[user.area_id])
            if user.area and user.area.level in MAP_URLS
            else None,
            "without_team": list(services.townships_without_team(user))
            if user.is_county_or_above
            else [],
        },
    )


def household_list_xlsx(request):
    """The household list as filtered on the page, every page of it."""
    households = _listed(request, HouseholdFilter(request.GET or None, user=request.user))
    book = Workbook(write_only=True)
    title = _("Households") + f" {timezone.localdate():%Y-%m-%d}"
    write_table(book.create_sheet(_("Households")), LIST_COLUMNS, households.iterator(2000),
                title=title, frozen=2)  # fmt: skip
    return workbook_response(book, f"{title}.xlsx")


def change_history(household):
    """Every recorded change of the household and its members, newest first, with the names
    of the fields that changed (never their values: some are sensitive)."""
    records = sorted(
        [
            *household.history.select_related("history_user"),
            *Person.history.filter(household_id=household.pk).select_related("history_user"),
        ],
        key=lambda r: r.history_date,
    )
    previous, rows = {}, []
    for record in records:
        key = (type(record), record.id)
        old = previous.get(key)
        fields = [
            f
            for f in record.instance_type._meta.fields
            if f.name not in {"id", "id_number_hash", "version"}  # derived, or a counter
        ]
        changed = (
            [
                str(f.verbose_name)
                for f in fields
                if getattr(record, f.attname) != getattr(old, f.attname)
            ]
            if old
            else []
        )
        previous[key] = record
        rows.append(
            {
                "record": record,
                "kind": record.instance_type._meta.verbose_name,
                "changed": changed,
            }
        )
    return rows[::-1]


def household_detail(request, pk):
    household = household_for(request, pk)
    services.log_access(request, Access.Kind.FILE, household)
    persons = household.persons.select_related(*Person.REFERENCES).order_by(
        "left_on", "-is_head", "birth_date"
    )
    steps = household.identification_steps.select_related("recorded_by").prefetch_related(
        "objections"
    )
    user = request.user
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "persons": persons,
            "other_causes": household.other_causes.all(),
            "steps": steps,
            "assessments": household.identification_assessments.prefetch_related("items"),
            # poverty_return: the steps of a return to poverty (kept by the assessments app).
            "status_changes": household.status_changes.select_related(
                "recorded_by", "poverty_return"
            ),
            "cadre_assignments": household.cadre_assignments.select_related("cadre"),
            "member_changes": household.changes.select_related(
                "person__came_from__household__village", "destination"
            ).with_received(),
            "history": change_history(household),
            "findings": household.findings.pending(),
            "can_edit": may(user, "keep_household"),
            "can_reveal": may(user, "reveal", household=household),
            "can_manage": may(user, "keep_registry"),
            "can_move": may(user, "move_household") and household.status != Status.CANCELLED,
            "can_identify": may(user, "record_village_steps", household=household),
            "can_assign": may(user, "assign_cadre", household=household),
            "status_form": StatusChangeForm(),
            "cadre_form": CadreForm(household=household, user=user),
            "member_change_form": MemberChangeForm(household=household, user=user),
            "move_out_form": MoveOutForm(household=household),
            "head_change_form": HeadChangeForm(household=household),
        },
    )


def household_create(request):
    _require(may(request.user, "keep_household"))
    form = HouseholdForm(request.POST or None, user=request.user)
    if form.is_valid():
        household = services.household_create(
            household=form.save(commit=False), by=request.user, date=timezone.localdate()
        )
        form.save_m2m()
        messages.success(
            request, _("Household %(number)s was created.") % {"number": household.number}
        )
        return redirect("households:person_create", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form})


def household_edit(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "keep_household"))
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    context = {"form": form, "household": household}
    if form.is_valid() and save_or_conflict(form, context):
        messages.success(request, _("The household was saved."))
        return redirect(household)
    services.log_access(request, Access.Kind.EDIT, household)
    return render(request, "households/household_form.html", context, status=status(context))


def _person_form(request, household, person=None):
    _require(may(request.user, "keep_household"))
    form = PersonForm(request.POST or None, instance=person, household=household, user=request.user)
    context = {"form": form, "household": household, "person": person}
    if form.is_valid() and (saved := save_or_conflict(form, context)):
        messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
        return redirect(household)
    services.log_access(request, Access.Kind.EDIT, household)
    return render(request, "households/person_form.html", context, status=status(context))


def person_create(request, pk):
    return _person_form(request, household_for(request, pk))


def person_edit(request, pk):
    person = get_visible_or_404(Person.objects.select_related("household"), request.user, pk=pk)
    return _person_form(request, household_for(request, person.household_id), person)


#: What a reveal may show: the model holding it, how to find the household, what is shown.
REVEALABLE = {
    "id_number": (Person, "household", "id_number"),
    "phone": (Household, None, "phone"),
    "bank_account": (Household, None, "bank_account"),
    "health": (Person, "household", "health_and_disability"),
}


def reveal(request, field, pk):
    """Show one sensitive value in full to a permitted user, after logging who, when and why."""
    if field not in REVEALABLE:
        raise Http404
    model, to_household, shown = REVEALABLE[field]
    obj = get_visible_or_404(model.objects.all(), request.user, pk=pk)
    household = getattr(obj, to_household) if to_household else obj
    _require(may(request.user, "reveal", household=household))
    form = RevealForm(request.POST or None)
    value = None
    if request.method == "POST" and form.is_valid():
        services.disclosure_log(
            action="reveal",
            user=request.user,
            area_code=household.village_id,
            record=f"{model._meta.model_name} {obj.pk}",
            field=field,
            reason=form.cleaned_data["reason"],
        )
        value = getattr(obj, shown)
    return render(
        request,
        "households/reveal.html",
        {
            "form": form,
            "obj": obj,
            "household": household,
            "label": model._meta.get_field(field).verbose_name,
            "value": value,
        },
    )


def _run_service(request, form, action, success):
    """Run ``action(form.cleaned_data)`` for a valid POST and return what it returns; a refused
    rule becomes a message (and None is returned)."""
    if form.is_valid():
        try:
            done = action(form.cleaned_data)
        except HouseholdError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
            return done
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return None


@require_POST
def status_change(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "keep_registry"))
    _run_service(
        request,
        StatusChangeForm(request.POST),
        lambda data: services.household_change_status(household=household, by=request.user, **data),
        _("The status was changed."),
    )
    return redirect(household)


@require_POST
def cadre_assign(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "assign_cadre", household=household))
    _run_service(
        request,
        CadreForm(request.POST, household=household, user=request.user),
        lambda data: services.household_assign_cadre(household=household, by=request.user, **data),
        _("The contact cadre was changed."),
    )
    return redirect(household)


@require_POST
def member_change(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "keep_household"))
    _run_service(
        request,
        MemberChangeForm(request.POST, household=household, user=request.user),
        lambda data: services.member_change_record(by=request.user, **data),
        _("The member change was recorded."),
    )
    return redirect(household)


@require_POST
def move_out(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "move_household"))
    _run_service(
        request,
        MoveOutForm(request.POST, household=household),
        lambda data: services.household_move_out(household=household, by=request.user, **data),
        _("The household moved out; the receiving county sees it among its arriving moves."),
    )
    return redirect(household)


def arriving(request):
    """The persons and households that moved to the user's area from elsewhere, to receive."""
    _require(may(request.user, "move_household"))
    moves = (
        MemberChange.objects.arriving(request.user)
        .select_related("person__relation", "household__village__parent", "destination")
        .order_by("household__number", "-person__is_head", "person__birth_date")
    )
    groups = {}
    for move in moves:
        groups.setdefault(move.household, []).append(move)
    user = request.user
    return render(
        request,
        "households/arriving.html",
        {
            "groups": [
                {
                    "household": household,
                    "moves": group,
                    "whole": household.status == Status.CANCELLED
                    and any(move.person.is_head for move in group),
                }
                for household, group in groups.items()
            ],
            "receive_form": ReceiveForm(user=user),
            "household_form": ReceiveHouseholdForm(user=user),
        },
    )


@require_POST
def receive(request, pk):
    try:
        left = MemberChange.objects.arriving(request.user).select_related("person").get(pk=pk)
    except MemberChange.DoesNotExist as exc:
        raise Http404 from exc
    _require(may(request.user, "move_household"))
    person = _run_service(
        request,
        ReceiveForm(request.POST, user=request.user),
        lambda data: services.member_receive(left=left, by=request.user, **data),
        _("%(name)s was received.") % {"name": left.person.name},
    )
    return redirect(person.household if person else "households:arriving")


@require_POST
def receive_household(request, pk):
    moves = MemberChange.objects.arriving(request.user).filter(person__is_head=True)
    try:
        moved = Household.objects.unscoped().get(pk=pk, changes__in=moves)  # arrived here
    except Household.DoesNotExist as exc:
        raise Http404 from exc
    _require(may(request.user, "move_household"))
    household = _run_service(
        request,
        ReceiveHouseholdForm(request.POST, user=request.user),
        lambda data: services.household_receive(moved=moved, by=request.user, **data),
        _("The household was received."),
    )
    return redirect(household or "households:arriving")


@require_POST
def head_change(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "keep_household"))
    _run_service(
        request,
        HeadChangeForm(request.POST, household=household),
        lambda data: services.household_change_head(household=household, by=request.user, **data),
        _("The head of household was changed."),
    )
    return redirect(household)


def identification(request, pk):
    """The identification record of a candidate: the village's steps are the township team's,
    the township's review its leader's, the approval the county's (`IdentificationStep.ACTIONS`)."""
    household = household_for(request, pk)
    _require(may(request.user, "record_village_steps", household=household))
    steps = household.identification_steps.prefetch_related("objections")
    done = len(steps)
    next_step = list(IdentificationStep.Step)[done] if done < 6 else None
    return render(
        request,
        "households/identification.html",
        {
            "household": household,
            "steps": steps,
            "assessments": household.identification_assessments.prefetch_related("items"),
            "step_form": IdentificationStepForm(initial={"step": next_step}) if next_step else None,
            "assessment_form": AssessmentForm(),
            "objection_form": ObjectionForm(),
            "resolve_form": (
                ObjectionResolveForm()
                if may(request.user, "record_township_review", household=household)
                else None
            ),
        },
    )


@require_POST
def identification_step(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "record_village_steps", household=household))
    form = IdentificationStepForm(request.POST)
    form.instance.household = household

    def record(data):
        action = IdentificationStep.ACTIONS[data["step"]]
        if message := refusal(request.user, action, household=household):
            raise HouseholdError(message)
        services.identification_record_step(household=household, by=request.user, **data)

    _run_service(request, form, record, _("The identification step was recorded."))
    return redirect("households:identification", pk=household.pk)


@require_POST
def assessment_add(request, pk):
    household = household_for(request, pk)
    _require(may(request.user, "record_village_steps", household=household))
    _run_service(
        request,
        AssessmentForm(request.POST),
        lambda data: services.assessment_record(household=household, by=request.user, **data),
        _("The assessment was recorded."),
    )
    return redirect("households:identification", pk=household.pk)


@require_POST
def objection_add(request, pk):
    step = get_visible_or_404(
        IdentificationStep.objects.select_related("household"), request.user, pk=pk
    )
    _require(may(request.user, "record_village_steps", household=step.household))
    _run_service(
        request,
        ObjectionForm(request.POST),
        lambda data: services.objection_record(step=step, **data),
        _("The objection was recorded."),
    )
    return redirect("households:identification", pk=step.household_id)


def cadre_handover(request, pk):
    """All the households of a cadre who leaves the team, handed to another in one form."""
    cadre = get_visible_or_404(Member.objects.select_related("team__township"), request.user, pk=pk)
    _require(may(request.user, "assign_cadre", township_id=cadre.team.township_id))
    households = Household.objects.visible_to(request.user).filter(contact_cadre=cadre).with_head()
    form = HandoverForm(request.POST or None, cadre=cadre, user=request.user)
    if form.is_valid():
        try:
            count = services.cadre_hand_over(cadre=cadre, by=request.user, **form.cleaned_data)
        except HouseholdError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(count)s households handed to %(name)s.")
                % {"count": count, "name": form.cleaned_data["to"].name},
            )
            return redirect(cadre.team)
    return render(
        request,
        "households/handover.html",
        {"cadre": cadre, "households": households.order_by("number"), "form": form},
    )


@require_POST
def objection_resolve(request, pk):
    objection = get_visible_or_404(
        Objection.objects.select_related("step__household"), request.user, pk=pk
    )
    _require(may(request.user, "record_township_review", household=objection.step.household))
    _run_service(
        request,
        ObjectionResolveForm(request.POST),
        lambda data: services.objection_resolve(objection=objection, by=request.user, **data),
        _("The objection was resolved."),
    )
    return redirect("households:identification", pk=objection.step.household_id)


def notice_print(request, pk):
    """The printable public notice (公示/公告) of one candidate: who, the period, the issuing
    body and the phone for complaints. No ID number, no phone of the household."""
    step = get_visible_or_404(
        IdentificationStep.objects.select_related("household__village__parent"),
        request.user,
        pk=pk,
        notice_until__isnull=False,
    )
    household = Household.objects.visible_to(request.user).for_roster().get(pk=step.household_id)
    return render(request, "households/notice_print.html", {"step": step, "household": household})


def _village_households(request, village, **filters):
    return (
        Household.objects.visible_to(request.user).filter(village=village, **filters).for_roster()
    )


def village_register(request, code):
    """The village register (村有册): every household of the village and its members."""
    village = village_for(request, code)
    services.log_access(request, Access.Kind.REGISTER, area_code=village.code)
    households = _village_households(request, village).exclude(status=Status.CANCELLED)
    return render(
        request,
        "households/village_register.html",
        {"village": village, "households": households, "today": timezone.localdate()},
    )


def village_register_xlsx(request, code):
    village = village_for(request, code)
    services.log_access(request, Access.Kind.EXPORT, area_code=village.code)
    households = _village_households(request, village).exclude(status=Status.CANCELLED)
    name = f"{village.code}-{village.name}-村有册-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(register_workbook(village, households), name)


def village_notice(request, code):
    """The printable public-notice list (公示) of a village: no ID numbers, no phones."""
    village = village_for(request, code)
    households = _village_households(
        request, village, publicly_displayed=True, status__in=Household.ACTIVE_STATUSES
    )
    team = Team.objects.visible_to(request.user).filter(township_id=village.parent_id).first()
    form = VillageNoticeForm.for_village(village, team, request.GET)
    return render(
        request,
        "households/village_notice.html",
        {
            "village": village,
            "households": households,
            "form": form,
            "notice": form.cleaned_data if form.is_valid() else None,
        },
    )


# The division of work in a township and the 攻坚图 (docs/domain.md §3.3).


def _area_households(request, code):
    return Household.objects.visible_to(request.user).in_area(code)


def township_coverage(request, code):
    """Households with no contact cadre, cadres carrying too many, villages no group covers."""
    team = get_visible_or_404(
        Team.objects.select_related("township__parent"), request.user, township__code=code
    )
    found = coverage.team_coverage(team, _area_households(request, code))
    if wants_workbook(request):
        return list_workbook(
            f"{team.township.name} {_('Coverage of households')}",
            (_("Households with no contact cadre"), COVERAGE_HOUSEHOLDS, found.unlinked),
            (_("Households per cadre"), CADRE_LOAD_COLUMNS, found.cadres),
        )
    return render(
        request,
        "households/township_coverage.html",
        {"team": team, "coverage": found, "limit": settings.MAX_HOUSEHOLDS_PER_CADRE},
    )


def area_map(request, code, level):
    """The 攻坚图 of a township (by village) or a county (by township), and by main cause."""
    area = get_visible_or_404(
        Area.objects.filter(level=level).select_related("parent", "team"),
        request.user,
        code=code,
    )
    households = _area_households(request, code)
    today = timezone.localdate()
    return render(
        request,
        "households/area_map.html",
        {
            "area": area,
            "team": getattr(area, "team", None),
            "today": today,
            "bar_heading": Area.Level(area.level + 1).label,
            "status_chart": coverage.status_chart(area, households, today),
            "cause_chart": coverage.cause_chart(area, households),
        },
    )
