"""Who records which step of identification: the village's steps by the township team, the
township's review by its leader, the approval by the county (IdentificationStep.ACTIONS)."""

import datetime

from django.urls import reverse

from households.models import Household, IdentificationStep
from tests.factories import PersonFactory

Step = IdentificationStep.Step


def post_step(client, household, step, on, **extra):
    data = {"step": step, "date": on, "responsible": "经办人", "outcome": "passed", **extra}
    return client.post(
        reverse("households:identification_step", args=[household.pk]), data, follow=True
    )


NOTICE = {"issued_by": "示例村民委员会", "complaint_phone": "0755-12317"}


def test_each_step_is_recorded_by_its_level(
    as_user, township_cadre, township_leader, county_officer
):
    household = PersonFactory(household__status=Household.Status.IDENTIFYING).household
    cadre = as_user(township_cadre)  # one test client: each as_user logs it in anew
    post_step(cadre, household, Step.APPLICATION, "2016-06-01")
    post_step(cadre, household, Step.DEMOCRATIC_REVIEW, "2016-06-02")
    post_step(
        cadre, household, Step.FIRST_NOTICE, "2016-06-03", notice_until="2016-06-09", **NOTICE
    )
    assert household.identification_steps.count() == 3
    refused = post_step(cadre, household, Step.TOWNSHIP_REVIEW, "2016-06-10")
    assert "不是您" in refused.content.decode()
    assert household.identification_steps.count() == 3
    leader = as_user(township_leader)
    post_step(leader, household, Step.TOWNSHIP_REVIEW, "2016-06-10")
    post_step(
        leader, household, Step.SECOND_NOTICE, "2016-06-11", notice_until="2016-06-17", **NOTICE
    )
    assert household.identification_steps.count() == 5
    post_step(leader, household, Step.COUNTY_APPROVAL, "2016-06-20")
    assert household.identification_steps.count() == 5
    county = as_user(county_officer)
    post_step(county, household, Step.COUNTY_APPROVAL, "2016-06-20")
    household.refresh_from_db()
    assert household.status == Household.Status.REGISTERED
    assert household.registered_on == datetime.date(2016, 6, 20)
