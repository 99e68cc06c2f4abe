"""Moves (issue 18): a person leaves one household and joins another, in another village or
county, and a county receives a household that moved out of another; both sides' records and
histories tell it, and an ID number belongs to one current member only."""

import datetime

import hypothesis
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from households import services
from households.models import Household, MemberChange, Person, StatusChange
from households.services import HouseholdError
from teams.models import Area, User
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, UserFactory, reference

pytestmark = pytest.mark.django_db
Kind, Status = MemberChange.Kind, Household.Status
DAY = datetime.date(2018, 3, 1)
LATER = datetime.date(2018, 3, 20)


@pytest.fixture
def bride():
    """A daughter of a household of 示例县 (449901) who marries out."""
    head = PersonFactory(name="老王")
    return PersonFactory(
        household=head.household, name="王小花", relation=reference("relation", "女")
    )


@pytest.fixture
def groom(other_county_officer):
    """The head of a household of 另一县 (449902)."""
    return PersonFactory(
        name="李大牛", household=HouseholdFactory(village=AreaFactory(code="449902101201"))
    )


def counted(person):
    return Person.objects.with_id_number(person.id_number).current().count()


def test_an_id_number_belongs_to_one_current_member_only(bride, groom):
    twin = Person(
        household=groom.household,
        name=bride.name,
        id_number=bride.id_number,
        relation=reference("relation", "配偶"),
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        twin.save()
    bride.left_on = DAY
    bride.save()
    twin.save()  # the old record, left, no longer holds the number
    assert counted(bride) == 1


def test_a_marriage_into_another_county_is_received_there_and_both_files_tell_it(
    bride, groom, county_officer, other_county_officer
):
    change = services.member_change_record(
        person=bride,
        kind=Kind.MARRIAGE_OUT,
        date=DAY,
        by=county_officer,
        destination=groom.household.village.parent.parent,
        note="嫁往另一县",
    )
    assert list(MemberChange.objects.arriving(other_county_officer)) == [change]
    assert not MemberChange.objects.arriving(county_officer).exists()

    wife = services.member_receive(
        left=change,
        household=groom.household,
        relation=reference("relation", "配偶"),
        date=LATER,
        by=other_county_officer,
    )

    bride.refresh_from_db()
    assert bride.left_on == DAY
    assert bride.household.persons.current().count() == 1
    assert (wife.household, wife.came_from, wife.id_number, wife.name) == (
        groom.household,
        bride,
        bride.id_number,
        "王小花",
    )
    assert wife.changes.get().kind == Kind.MARRIAGE_IN
    assert bride.changes.get().destination_id == "449902"
    assert not MemberChange.objects.arriving(other_county_officer).exists()
    assert counted(bride) == 1
    # The people of each county read their own household's side, and only that.
    assert list(MemberChange.objects.visible_to(county_officer)) == [change]
    assert list(MemberChange.objects.visible_to(other_county_officer)) == [wife.changes.get()]


@pytest.mark.parametrize("kind", [Kind.MARRIAGE_OUT, Kind.MOVED_OUT, Kind.SPLIT])
def test_a_person_joins_a_household_of_another_village_at_once(bride, county_officer, kind):
    other_village = HouseholdFactory(village=AreaFactory(code="449901102201"))
    services.member_change_record(
        person=bride,
        kind=kind,
        date=DAY,
        by=county_officer,
        joins=other_village,
        relation=reference("relation", "配偶"),
    )
    joined = other_village.persons.get()
    assert joined.came_from == bride
    assert joined.changes.get().kind == MemberChange.JOINING[kind]
    assert bride.changes.get().destination_id == "449901102201"
    assert not MemberChange.objects.arriving(county_officer).exists()  # received already


@pytest.mark.parametrize(
    "case", ["head", "future", "split without household", "death joins", "cancelled household"]
)
def test_a_refused_move_changes_nothing(bride, county_officer, case):
    other = HouseholdFactory(village=AreaFactory(code="449901102201"))
    person, kind, date, joins = bride, Kind.MARRIAGE_OUT, DAY, other
    if case == "head":
        person = bride.household.head
    elif case == "future":
        date = timezone.localdate() + datetime.timedelta(days=1)
    elif case == "split without household":
        kind, joins = Kind.SPLIT, None
    elif case == "death joins":
        kind = Kind.DEATH
    else:
        other.status = Status.CANCELLED
        other.save()
    persons, changes = Person.history.count(), MemberChange.objects.count()
    with pytest.raises(HouseholdError):
        services.member_change_record(
            person=person,
            kind=kind,
            date=date,
            by=county_officer,
            joins=joins,
            relation=reference("relation", "配偶"),
        )
    bride.refresh_from_db()
    assert bride.left_on is None
    assert (Person.history.count(), MemberChange.objects.count()) == (persons, changes)


def test_a_person_is_received_once(bride, groom, county_officer, other_county_officer):
    change = services.member_change_record(
        person=bride,
        kind=Kind.MOVED_OUT,
        date=DAY,
        by=county_officer,
        destination=AreaFactory(code="449902"),
    )
    services.member_receive(
        left=change,
        household=groom.household,
        relation=reference("relation", "配偶"),
        date=DAY,
        by=other_county_officer,
    )
    with pytest.raises(HouseholdError):
        services.member_receive(
            left=change,
            household=groom.household,
            relation=reference("relation", "配偶"),
            date=DAY,
            by=other_county_officer,
        )
    assert counted(bride) == 1


@pytest.fixture
def moved(bride, county_officer, other_county_officer):
    """The household of 示例县 with its two members moved out to 另一县."""
    household = bride.household
    household.other_causes.set([reference("cause", "因病")])
    services.household_move_out(
        household=household,
        destination=other_county_officer.area,
        date=DAY,
        reason="投靠亲属",
        by=county_officer,
    )
    household.refresh_from_db()
    return household


def test_a_household_that_moves_out_is_cancelled_and_its_members_have_left(moved):
    assert moved.status == Status.CANCELLED
    assert not moved.persons.current().exists()
    assert moved.contact_cadre is None
    assert "另一县" in moved.status_changes.latest("pk").reason
    assert set(moved.changes.values_list("kind", "destination")) == {(Kind.MOVED_OUT, "449902")}


def test_the_receiving_county_receives_the_whole_household_in_a_village_of_its_own(
    moved, other_county_officer, county_officer
):
    village = AreaFactory(code="449902103201")
    received = services.household_receive(
        moved=moved, village=village, date=LATER, by=other_county_officer
    )
    assert received.number == "44990210320100001"
    assert (received.status, received.came_from, received.status_since) == (
        Status.REGISTERED,
        moved,
        LATER,
    )
    assert [c.name for c in received.other_causes.all()] == ["因病"]
    assert received.head.came_from == moved.head
    assert {p.came_from_id for p in received.persons.current()} == set(
        moved.persons.values_list("pk", flat=True)
    )
    assert "区域449901" in received.status_changes.get().reason
    assert not MemberChange.objects.arriving(other_county_officer).exists()
    assert not Household.objects.visible_to(county_officer).filter(pk=received.pk).exists()
    with pytest.raises(HouseholdError):
        services.household_receive(
            moved=moved, village=village, date=LATER, by=other_county_officer
        )


def test_a_household_that_did_not_move_here_is_not_received(bride, other_county_officer):
    households, statuses = Household.objects.count(), StatusChange.objects.count()
    with pytest.raises(HouseholdError):
        services.household_receive(
            moved=bride.household,
            village=AreaFactory(code="449902103201"),
            date=LATER,
            by=other_county_officer,
        )
    assert (Household.objects.count(), StatusChange.objects.count()) == (households, statuses)


# The pages: what each county sees, and what the wrong county cannot do.


def test_the_arriving_page_lists_what_moved_here_and_nothing_else(
    as_user, moved, other_county_officer, county_officer
):
    page = as_user(other_county_officer).get(reverse("households:arriving"))
    assert page.status_code == 200
    assert "王小花" in page.content.decode()
    assert "整户接收" in page.content.decode()
    page = as_user(county_officer).get(reverse("households:arriving"))
    assert "王小花" not in page.content.decode()


def test_receiving_on_the_page_moves_the_person_and_shows_both_files(
    as_user, bride, groom, county_officer, other_county_officer
):
    client = as_user(county_officer)
    response = client.post(
        reverse("households:member_change", args=[bride.household_id]),
        {
            "person": bride.pk,
            "kind": Kind.MARRIAGE_OUT,
            "date": "2018-03-01",
            "destination": "449902",
        },
    )
    assert response.status_code == 302
    change = MemberChange.objects.get()
    client = as_user(other_county_officer)
    response = client.post(
        reverse("households:receive", args=[change.pk]),
        {
            "household": groom.household.number,
            "relation": reference("relation", "配偶").pk,
            "date": "2018-03-20",
        },
    )
    assert response["Location"] == groom.household.get_absolute_url()
    assert groom.household.persons.current().count() == 2
    page = client.get(groom.household.get_absolute_url()).content.decode()
    assert "王小花" in page
    assert "← 区域449901101201" in page  # came from
    page = as_user(county_officer).get(bride.household.get_absolute_url()).content.decode()
    assert "另一县" in page  # went to


def test_the_wrong_county_cannot_receive(
    as_user, bride, groom, county_officer, other_county_officer, moved
):
    change = MemberChange.objects.filter(person=bride).get()
    third = as_user(county_officer)  # the sending county is not the receiving one
    url = reverse("households:receive", args=[change.pk])
    data = {
        "household": groom.household.number,
        "relation": reference("relation", "配偶").pk,
        "date": "2018-03-20",
    }
    assert third.post(url, data).status_code == 404
    url = reverse("households:receive_household", args=[moved.pk])
    assert third.post(url, {"village": "449901101201", "date": "2018-03-20"}).status_code == 404
    assert counted(bride) == 0
    # Into a household outside the receiving county's area: refused with a message.
    other = as_user(other_county_officer)
    outside = HouseholdFactory(village=AreaFactory(code="449901102201"))
    response = other.post(
        reverse("households:receive", args=[change.pk]),
        {**data, "household": outside.number},
        follow=True,
    )
    assert counted(bride) == 0
    assert "本辖区内没有这个户编号。" in response.content.decode()


# The model-based test: any sequence of moves keeps one person, one current record ----------

COUNTIES = ["449901", "449902"]
VILLAGES = ["449901101201", "449901102201", "449902101201"]


class Moves(RuleBasedStateMachine):
    """Persons of two counties marry out, move and split, whole households move out, and the
    receiving counties receive them; a refused step changes nothing. Throughout, each ID number
    has exactly one record that has not been continued (the person's present place), at most
    one current one, and every continued record's new household tells that it joined."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.officers = {
            code: UserFactory(
                username=f"county{code}", role=User.Role.COUNTY, area=AreaFactory(code=code)
            )
            for code in COUNTIES
        }
        self.households = []
        for village in VILLAGES:
            for _ in range(2):
                head = PersonFactory(household=HouseholdFactory(village=AreaFactory(code=village)))
                PersonFactory(household=head.household, relation=reference("relation", "子"))
                PersonFactory(household=head.household, relation=reference("relation", "女"))
                self.households.append(head.household)
        self.people = set(Person.objects.values_list("id_number_hash", flat=True))

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def officer(self, household):
        return self.officers[household.village_id[:6]]

    def attempt(self, step):
        """Run ``step``; a refusal must leave every table as it was."""
        before = snapshot()
        try:
            step()
        except HouseholdError:
            event("refused")
            assert snapshot() == before
        else:
            event("done")

    @rule(data=st.data(), kind=st.sampled_from([*MemberChange.LEAVING, Kind.BIRTH]))
    def a_member_leaves(self, data, kind):
        persons = list(Person.objects.current().filter(is_head=False))
        if not persons:
            return
        person = data.draw(st.sampled_from(persons))
        joins = data.draw(st.sampled_from([None, *self.households]))
        destination = data.draw(st.sampled_from([None, *COUNTIES]))
        self.attempt(
            lambda: services.member_change_record(
                person=person,
                kind=kind,
                date=DAY,
                by=self.officer(person.household),
                joins=joins,
                relation=reference("relation", data.draw(st.sampled_from(["配偶", "户主"]))),
                destination=Area.objects.get(code=destination) if destination else None,
            )
        )

    @rule(data=st.data())
    def a_county_receives_a_person(self, data):
        county = data.draw(st.sampled_from(COUNTIES))
        arriving = list(MemberChange.objects.arriving(self.officers[county]))
        if not arriving:
            return
        left = data.draw(st.sampled_from(arriving))
        household = data.draw(st.sampled_from(self.households))
        self.attempt(
            lambda: services.member_receive(
                left=left,
                household=household,
                relation=reference("relation", "配偶"),
                date=LATER,
                by=self.officers[county],
            )
        )

    @rule(data=st.data(), county=st.sampled_from(COUNTIES))
    def a_household_moves_out(self, data, county):
        household = data.draw(st.sampled_from(self.households))
        household.refresh_from_db()
        self.attempt(
            lambda: services.household_move_out(
                household=household,
                destination=Area.objects.get(code=county),
                date=DAY,
                reason="投靠亲属",
                by=self.officer(household),
            )
        )

    @rule(data=st.data())
    def a_county_receives_a_household(self, data):
        moved = list(Household.objects.filter(status=Status.CANCELLED, continuations=None))
        if not moved:
            return
        household = data.draw(st.sampled_from(moved))
        village = Area.objects.get(code=data.draw(st.sampled_from(VILLAGES)))
        self.attempt(
            lambda: self.households.append(
                services.household_receive(
                    moved=household, village=village, date=LATER, by=self.officers[village.code[:6]]
                )
            )
        )

    @invariant()
    def one_person_one_present_place(self):
        tips = Person.objects.filter(continuations=None)
        assert sorted(tips.values_list("id_number_hash", flat=True)) == sorted(self.people)
        current = Person.objects.current().values_list("id_number_hash", flat=True)
        assert len(set(current)) == len(current)

    @invariant()
    def a_continued_record_joined_on_or_after_leaving(self):
        # (Into any household: one who moved out may come back to it later.)
        for person in Person.objects.exclude(came_from=None).select_related("came_from"):
            joined = person.changes.earliest("pk")  # then perhaps a leaving
            assert person.came_from.left_on <= joined.date
            assert joined.household_id == person.household_id

    @invariant()
    def the_arriving_moves_are_the_destined_unreceived_ones(self):
        for code, officer in self.officers.items():
            expected = {
                change.pk
                for change in MemberChange.objects.filter(
                    kind__in=[Kind.MARRIAGE_OUT, Kind.MOVED_OUT], destination_id=code
                )
                if not change.person.continuations.exists()
            }
            assert (
                set(MemberChange.objects.arriving(officer).values_list("pk", flat=True)) == expected
            )


def snapshot():
    return (
        list(Person.objects.order_by("pk").values_list("pk", "household_id", "left_on")),
        MemberChange.objects.count(),
        list(Household.objects.order_by("pk").values_list("pk", "status")),
        StatusChange.objects.count(),
        Person.history.count(),
    )


def test_any_sequence_of_moves_keeps_one_person_one_present_place():
    run_state_machine_as_test(
        Moves,
        settings=hypothesis.settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[hypothesis.HealthCheck.too_slow],
        ),
    )
