"""The household ledger (帮扶记录簿): plans, measures, visits, yearly income, guarantees.

Every ledger row belongs to a household and is scoped through the household's village. Rows
that people edit carry a ``version`` for optimistic locking (`teams/locking.py`) and keep
their history, deletions included.

One module a concept; every model is importable from here, as before.
"""

from ledgers.models.ledger import (  # noqa: F401
    CAMPAIGN_YEARS,
    YEAR_VALIDATORS,
    Guarantee,
    Income,
    LedgerQuerySet,
    Measure,
    MeasureCategory,
    Plan,
    PovertyStandard,
    Visit,
    VisitPhoto,
    visit_photo_path,
)
from ledgers.models.projects import (  # noqa: F401
    AppendOnly,
    FundSource,
    OverBudgetAttempt,
    Payment,
    PaymentQuerySet,
    Project,
    ProjectBudget,
    ProjectQuerySet,
)
