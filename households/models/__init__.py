"""The household registry (建档立卡): households, their members, identification, status.

Rules that must never break are database constraints (unique ID numbers, one head per
household, the household-number convention); workflows that touch several rows (status
changes, identification steps, contact cadres) are in `households/services.py`.

One module a concept; every model is importable from here, as before.
"""

from households.models.crosschecks import (  # noqa: F401
    Finding,
    ListKind,
    OutsideList,
)
from households.models.identification import (  # noqa: F401
    IdentificationAssessment,
    IdentificationStep,
    Objection,
)
from households.models.imports import ImportJob  # noqa: F401
from households.models.personal_data import (  # noqa: F401
    Access,
    Disclosure,
    PersonalDataLog,
)
from households.models.reference import (  # noqa: F401
    ReferenceItem,
    ReferenceItemQuerySet,
)
from households.models.registry import (  # noqa: F401
    ID_NUMBER_CLASH,
    CadreAssignment,
    Household,
    HouseholdQuerySet,
    MemberChange,
    Person,
    PersonQuerySet,
    StatusChange,
)
