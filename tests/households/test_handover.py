"""A cadre who leaves the team hands every household to another in one form (不脱贫不脱钩)."""

import datetime

from django.urls import reverse

from households.models import CadreAssignment, Household
from tests.factories import HouseholdFactory, MemberFactory


def test_the_departure_leads_to_the_handover_of_all_households(
    as_user, township_leader, township_cadre, east_team
):
    leaving = township_cadre.member
    households = [HouseholdFactory(contact_cadre=leaving) for _ in range(3)]
    successor = MemberFactory(team=east_team, name="接任干部")
    client = as_user(township_leader)
    response = client.post(
        reverse("teams:member_edit", args=[leaving.pk]),
        {
            "name": leaving.name,
            "role": leaving.role,
            "source": leaving.source,
            "joined": "2016-06-01",
            "left": "2018-03-01",
            "version": leaving.version,
        },
    )
    assert response["Location"] == reverse("households:handover", args=[leaving.pk])
    page = client.get(response["Location"]).content.decode()
    assert all(household.number in page for household in households)
    client.post(response["Location"], {"to": successor.pk, "date": "2018-03-01"})
    assert set(Household.objects.filter(contact_cadre=successor)) == set(households)
    assert not Household.objects.filter(contact_cadre=leaving).exists()
    assert (
        CadreAssignment.objects.filter(cadre=successor, start=datetime.date(2018, 3, 1)).count()
        == 3
    )


def test_a_cadre_cannot_hand_over_a_colleague(as_user, township_cadre, east_team):
    other = MemberFactory(team=east_team)
    url = reverse("households:handover", args=[other.pk])
    assert as_user(township_cadre).get(url).status_code == 403
