import pytest

from tenancy.models import Role
from tests.factories import TenantFactory, member


@pytest.fixture
def meridian():
    """The client the integration guide's examples name, with its admin and the approver it relays for."""
    tenant = TenantFactory(slug="meridian", name="Meridian Insurance")
    admin = member(tenant, Role.CUSTOMER_ADMIN, username="meridian-admin")
    member(tenant, Role.CUSTOMER_APPROVER, username="meridian-approver")
    return tenant, admin
