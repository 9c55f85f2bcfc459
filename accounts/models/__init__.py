from accounts.models.tenancy import (
    ChoiceListValidator,
    Industry,
    Membership,
    Regulation,
    Role,
    StagegateUserManager,
    Tenant,
    TenantOwned,
    TenantOwnedQuerySet,
    User,
    validate_regulations,
    validate_time_zone,
)
from accounts.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "ChoiceListValidator",
    "Industry",
    "Membership",
    "Regulation",
    "Role",
    "StagegateUserManager",
    "Tenant",
    "TenantOwned",
    "TenantOwnedQuerySet",
    "User",
    "validate_regulations",
    "validate_time_zone",
]
