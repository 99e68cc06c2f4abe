from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from teams.models import Team


@login_required
def home(request):
    """The landing page: the user's scope and what they can do there."""
    user = request.user
    teams = Team.objects.visible_to(user).select_related("township")
    own_team = getattr(getattr(user, "member", None), "team", None)
    return render(
        request,
        "assessments/home.html",
        {
            "team_count": teams.count(),
            "own_team": own_team,
            "first_teams": teams.order_by("township_id")[:12],
        },
    )
