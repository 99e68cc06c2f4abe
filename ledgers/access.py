"""The household of a ledger page, if the user may see it (what they may change is in
`teams.permissions`)."""

from households.models import Household
from teams.scope import get_visible_or_404


def household_for(request, pk):
    """The household if the user may see it, with what the ledger header needs; 404 otherwise."""
    queryset = Household.objects.select_related(
        "village__parent", "contact_cadre", "attribute", "ability", "main_cause"
    ).with_head()
    return get_visible_or_404(queryset, request.user, pk=pk)
