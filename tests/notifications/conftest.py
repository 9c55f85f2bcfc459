import pytest

from accounts.models import User


@pytest.fixture
def addressed(people):
    """Everyone in ``people`` with an email address (the factories give none)."""
    for user in people.values():
        user.email = f"{user.username}@example.test"
    User.objects.bulk_update(people.values(), ["email"])
    return people
