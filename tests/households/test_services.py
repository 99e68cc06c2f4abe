import datetime

import pytest

from households import services
from households.models import (
    CadreAssignment,
    Household,
    IdentificationStep,
    MemberChange,
    Person,
    StatusChange,
)
from households.services import HouseholdError
from teams.models import Member
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory, PersonFactory, reference

pytestmark = pytest.mark.django_db
Status, Step = Household.Status, IdentificationStep.Step
DAY = datetime.date(2016, 7, 1)


def test_new_households_are_numbered_in_their_village_and_start_being_identified(
    county_officer,
):
    village = AreaFactory(code="449901101201")
    HouseholdFactory(village=village, number=7)
    household = services.household_create(
        household=Household(village=village), by=county_officer, date=DAY
    )
    assert household.number == "44990110120100008"
    assert household.status == Status.IDENTIFYING
    assert household.status_changes.get().new_status == Status.IDENTIFYING


def test_a_status_change_is_recorded_with_date_reason_and_who(county_officer):
    household = PersonFactory().household
    services.household_change_status(
        household=household, to=Status.EXITED, date=DAY, reason="收入达标", by=county_officer
    )
    household.refresh_from_db()
    assert (household.status, household.exited_on) == (Status.EXITED, DAY)
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status, change.reason, change.recorded_by) == (
        Status.REGISTERED,
        Status.EXITED,
        "收入达标",
        county_officer,
    )


def test_impossible_status_changes_are_refused_and_nothing_changes(county_officer):
    household = PersonFactory(household__status=Status.CANCELLED).household
    with pytest.raises(HouseholdError):
        services.household_change_status(
            household=household, to=Status.REGISTERED, date=DAY, reason="x", by=county_officer
        )
    assert not StatusChange.objects.exists()
    household.refresh_from_db()
    assert household.status == Status.CANCELLED


def test_a_household_without_a_head_cannot_be_registered(county_officer):
    household = HouseholdFactory(status=Status.IDENTIFYING)
    with pytest.raises(HouseholdError, match="户主"):
        services.household_change_status(
            household=household, to=Status.REGISTERED, date=DAY, reason="x", by=county_officer
        )


def walk_identification(household, by, until=None, outcome="passed"):
    for number, step in enumerate(Step):
        services.identification_record_step(
            household=household,
            step=step,
            date=DAY + datetime.timedelta(days=10 * number),
            responsible="示例村支书",
            outcome=outcome if step == until else "passed",
            notice_until=DAY + datetime.timedelta(days=10 * number + 7),
            issued_by="示例村民委员会",
            complaint_phone="0755-12317",
            by=by,
        )
        if step == until:
            return


def test_identification_runs_in_order_and_county_approval_registers(county_officer):
    household = PersonFactory(household__status=Status.IDENTIFYING).household
    walk_identification(household, county_officer)
    household.refresh_from_db()
    assert household.status == Status.REGISTERED
    assert household.registered_on == DAY + datetime.timedelta(days=50)
    assert household.identification_steps.count() == 6


def test_identification_steps_cannot_be_skipped(county_officer):
    household = PersonFactory(household__status=Status.IDENTIFYING).household
    with pytest.raises(HouseholdError):
        services.identification_record_step(
            household=household,
            step=Step.TOWNSHIP_REVIEW,
            date=DAY,
            responsible="x",
            outcome="passed",
            by=county_officer,
        )
    assert not household.identification_steps.exists()


def test_a_notice_needs_its_end_date(county_officer):
    household = PersonFactory(household__status=Status.IDENTIFYING).household
    walk_identification(household, county_officer, until=Step.DEMOCRATIC_REVIEW)
    with pytest.raises(HouseholdError):
        services.identification_record_step(
            household=household,
            step=Step.FIRST_NOTICE,
            date=DAY,
            responsible="x",
            outcome="passed",
            by=county_officer,
        )


def test_a_rejected_step_cancels_the_candidate(county_officer):
    household = PersonFactory(household__status=Status.IDENTIFYING).household
    walk_identification(household, county_officer, until=Step.DEMOCRATIC_REVIEW, outcome="rejected")
    household.refresh_from_db()
    assert household.status == Status.CANCELLED


def test_objections_are_recorded_only_during_a_notice(county_officer):
    household = PersonFactory(household__status=Status.IDENTIFYING).household
    walk_identification(household, county_officer, until=Step.FIRST_NOTICE)
    notice = household.identification_steps.get(step=Step.FIRST_NOTICE)
    objection = services.objection_record(step=notice, received_on=notice.date, content="有小汽车")
    assert objection.step == notice
    with pytest.raises(HouseholdError):
        services.objection_record(
            step=household.identification_steps.get(step=Step.APPLICATION),
            received_on=DAY,
            content="x",
        )


def test_an_assessment_records_the_items_and_the_assessors(county_officer):
    household = HouseholdFactory(status=Status.IDENTIFYING)
    items = [reference("four_looks", "看房"), reference("four_looks", "看粮")]
    assessment = services.assessment_record(
        household=household,
        items=items,
        assessed_on=DAY,
        assessors="甲、乙",
        note="",
        by=county_officer,
    )
    assert set(assessment.items.all()) == set(items)


def test_a_contact_cadre_comes_from_the_townships_team(east_team, west_team, county_officer):
    household = HouseholdFactory(village=AreaFactory(code="449901101201"))
    with pytest.raises(HouseholdError):
        services.household_assign_cadre(
            household=household,
            cadre=MemberFactory(team=west_team),
            date=DAY,
            reason="",
            by=county_officer,
        )
    assert household.cadre_assignments.count() == 0


def test_who_may_serve_a_household_is_one_rule_in_sql_and_on_a_member(east_team, west_team):
    """A current member of the household's township team: the contact cadre named on the
    household page, the cadres offered by a ledger form, the service's check."""
    household = HouseholdFactory(village=AreaFactory(code="449901101201"))
    current, former = MemberFactory(team=east_team), MemberFactory(team=east_team, left=DAY)
    elsewhere = MemberFactory(team=west_team)
    serving = set(Member.objects.serving(household.township_id))
    assert serving == {m for m in (current, former, elsewhere) if m.serves(household.township_id)}
    assert serving == {current}
    for cadre in (former, elsewhere):
        with pytest.raises(HouseholdError, match="在职成员"):
            services.household_assign_cadre(
                household=household, cadre=cadre, date=DAY, reason="", by=None
            )
    assert household.cadre_assignments.count() == 0


def test_reassignment_is_recorded_and_closes_the_previous_link(east_team, county_officer):
    household = HouseholdFactory()
    first, second = MemberFactory(team=east_team), MemberFactory(team=east_team)
    services.household_assign_cadre(
        household=household, cadre=first, date=DAY, reason="", by=county_officer
    )
    later = DAY + datetime.timedelta(days=30)
    services.household_assign_cadre(
        household=household, cadre=second, date=later, reason="调岗", by=county_officer
    )
    household.refresh_from_db()
    assert household.contact_cadre == second
    assert list(CadreAssignment.objects.values_list("cadre", "end")) == [
        (first.pk, later),
        (second.pk, None),
    ]


def test_a_cadre_cannot_be_unlinked_before_the_household_exits(east_team, county_officer):
    household = HouseholdFactory()
    cadre = MemberFactory(team=east_team)
    services.household_assign_cadre(
        household=household, cadre=cadre, date=DAY, reason="", by=county_officer
    )
    with pytest.raises(HouseholdError, match="不脱贫不脱钩"):
        services.household_assign_cadre(
            household=household, cadre=None, date=DAY, reason="", by=county_officer
        )
    household.refresh_from_db()
    assert household.contact_cadre == cadre
    household.status = Status.EXITED
    household.save()
    services.household_assign_cadre(
        household=household, cadre=None, date=DAY, reason="已脱贫", by=county_officer
    )
    household.refresh_from_db()
    assert household.contact_cadre is None


def test_a_death_is_dated_and_the_person_stays_in_the_file(county_officer):
    head = PersonFactory()
    mother = PersonFactory(household=head.household, relation=reference("relation", "母亲"))
    services.member_change_record(
        person=mother, kind=MemberChange.Kind.DEATH, date=DAY, by=county_officer
    )
    mother.refresh_from_db()
    assert mother.left_on == DAY
    assert list(head.household.persons.current()) == [head]


def test_the_head_cannot_leave_while_still_head(county_officer):
    head = PersonFactory()
    with pytest.raises(HouseholdError):
        services.member_change_record(
            person=head, kind=MemberChange.Kind.DEATH, date=DAY, by=county_officer
        )
    assert not MemberChange.objects.exists()


def test_townships_with_households_and_no_team_are_a_finding(county_officer, east_team):
    HouseholdFactory(village=AreaFactory(code="449901101201"))
    HouseholdFactory(village=AreaFactory(code="449901105201"))
    HouseholdFactory(village=AreaFactory(code="449901103201"), status=Status.IDENTIFYING)
    assert [a.code for a in services.townships_without_team(county_officer)] == ["449901105"]


@pytest.fixture
def head_and_wife():
    head = PersonFactory(name="老户主")
    wife = PersonFactory(
        household=head.household, name="妻子", relation=reference("relation", "配偶")
    )
    return head, wife


def change_head(household, new_head, old_head_relation, by):
    return services.household_change_head(
        household=household, new_head=new_head, old_head_relation=old_head_relation, by=by, date=DAY
    )


def test_changing_the_head_swaps_the_relations_and_records_the_change(
    county_officer, head_and_wife
):
    head, wife = head_and_wife
    change = change_head(head.household, wife, reference("relation", "配偶"), county_officer)
    head.refresh_from_db()
    wife.refresh_from_db()
    assert (head.is_head, head.relation.name) == (False, "配偶")
    assert (wife.is_head, wife.relation.name) == (True, "户主")
    assert (change.person, change.kind, change.date, change.recorded_by) == (
        wife,
        MemberChange.Kind.OTHER,
        DAY,
        county_officer,
    )
    assert "老户主" in change.note
    assert [h.relation.name for h in head.history.order_by("history_date")] == ["户主", "配偶"]
    assert [h.relation.name for h in wife.history.order_by("history_date")] == ["配偶", "户主"]


@pytest.mark.parametrize("case", ["former member", "other household", "already head", "户主"])
def test_a_refused_head_change_changes_nothing(county_officer, head_and_wife, case):
    head, wife = head_and_wife
    new_head, relation = wife, reference("relation", "配偶")
    if case == "former member":
        wife.left_on = DAY
        wife.save()
    elif case == "other household":
        new_head = PersonFactory()
    elif case == "already head":
        new_head = head
    else:
        relation = reference("relation", "户主")
    versions = Person.history.count()

    with pytest.raises(HouseholdError):
        change_head(head.household, new_head, relation, county_officer)

    assert not MemberChange.objects.exists()
    assert Person.history.count() == versions
    assert list(head.household.persons.filter(is_head=True)) == [head]
