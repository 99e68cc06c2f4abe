import pytest
from django.core.management import call_command

from assessments.models import ExitReview, Inspection, Outcome, Rectification, TeamAssessment

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (Inspection, Rectification, TeamAssessment, Outcome, ExitReview)
    ]


def test_seed_demo_makes_one_assessment_cycle_and_is_stable():
    call_command("seed_demo", households=120, verbosity=0)
    first = counts()
    assert all(first[:4])
    assert Rectification.objects.filter(closed_on__isnull=True).count() == 1
    call_command("seed_demo", households=120, verbosity=0)
    assert counts() == first
