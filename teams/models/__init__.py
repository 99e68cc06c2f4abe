"""The teams app's models: areas, the organisation (accounts, units, teams, members) and the
teams' work systems; one module a concept, every model importable from here."""

from teams.models.areas import (  # noqa: F401
    Area,
)
from teams.models.organisation import (  # noqa: F401
    Member,
    MemberQuerySet,
    ScopedUserManager,
    Team,
    Unit,
    UnitQuerySet,
    User,
    VillageWorkTeam,
)
from teams.models.work import (  # noqa: F401
    Presence,
    SixHavesCheck,
    SixHavesItem,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
    add_months,
    attachment_path,
    month_start,
)
