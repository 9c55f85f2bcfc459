from accounts.models import ApiToken
from api.feeds import ChangesFilterSet
from tenancy.models import Tenant


class TenantFilter(ChangesFilterSet):
    class Meta:
        model = Tenant
        fields = []


class TokenFilter(ChangesFilterSet):
    class Meta:
        model = ApiToken
        fields = []
