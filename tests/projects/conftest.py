import pytest

from accounts.models import Role
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member


@pytest.fixture
def tenant():
    return TenantFactory(slug="acme", name="Acme", time_zone="Asia/Bangkok")


@pytest.fixture
def people(tenant):
    """One person per role in ``tenant``, a platform admin and an outsider of another tenant."""
    other = TenantFactory(slug="globex")
    return {
        "lead": member(tenant, Role.DELIVERY_LEAD, username="lead"),
        "lead2": member(tenant, Role.DELIVERY_LEAD, username="lead2"),
        "engineer": member(tenant, Role.ENGINEER, username="engineer"),
        "admin": member(tenant, Role.CUSTOMER_ADMIN, username="cadmin"),
        "approver": member(tenant, Role.CUSTOMER_APPROVER, username="approver"),
        "approver2": member(tenant, Role.CUSTOMER_APPROVER, username="approver2"),
        "viewer": member(tenant, Role.CUSTOMER_VIEWER, username="viewer"),
        "platform": UserFactory(username="platform", is_platform_admin=True),
        "outsider": member(other, Role.CUSTOMER_APPROVER, username="outsider"),
    }


@pytest.fixture
def project(tenant, people):
    return ProjectFactory(tenant=tenant, code="ACME-1", delivery_lead=people["lead"])
