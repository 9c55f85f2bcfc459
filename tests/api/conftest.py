import pytest
from rest_framework.test import APIClient

from accounts.services import token_issue


@pytest.fixture
def api():
    """An API client authenticated as a given person with the given token scopes."""

    def as_user(user, scopes=("read", "write", "approve")):
        _, token = token_issue(user=user, name="test", scopes=scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return as_user
