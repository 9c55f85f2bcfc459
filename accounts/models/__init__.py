from accounts.models.api import ApiToken, IdempotencyRecord
from accounts.models.audit import AuditEvent, AuditEventQuerySet, AuditLogIsAppendOnly
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
from accounts.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditLogIsAppendOnly",
    "ChoiceListValidator",
    "IdempotencyRecord",
    "Industry",
    "Membership",
    "Regulation",
    "Role",
    "StagegateUserManager",
    "Tenant",
    "TenantOwned",
    "TenantOwnedQuerySet",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "validate_regulations",
    "validate_time_zone",
]
