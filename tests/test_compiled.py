"""``core.compiled``: a fixed-shape query compiled once per connection answers as the ORM, every time afresh."""

import datetime

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from core.compiled import CompiledQuery, Parameter
from tenancy.models import Membership, Role
from tenancy.services import token_issue
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _by_prefix():
    return ApiToken.objects.select_related("user").filter(prefix=Parameter("prefix", models.CharField()))


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


@pytest.fixture
def tokens():
    return [token_issue(user=UserFactory(), name=f"t{n}", scopes=["read", "write"])[0] for n in range(2)]


def test_model_instances_and_their_select_related_are_as_the_orm_reads_them(tokens):
    compiled = CompiledQuery(_by_prefix)
    for token in tokens:
        [found] = compiled.run(prefix=token.prefix)
        expected = ApiToken.objects.select_related("user").get(prefix=token.prefix)
        assert _fields(found) == _fields(expected)  # JSON scopes, aware datetimes: the same converters
        assert _fields(found.user) == _fields(expected.user)
        with CaptureQueriesContext(connection) as queries:
            assert found.user.pk == token.user_id
        assert len(queries) == 0  # the user came with the token
        assert (found._state.adding, found._state.db) == (False, "default")


def test_values_and_values_list_rows_are_as_the_orm_reads_them():
    tenants = [TenantFactory() for _ in range(3)]
    user = UserFactory()
    for tenant, role in zip(tenants, (Role.DELIVERY_LEAD, Role.ENGINEER, Role.CUSTOMER_VIEWER), strict=True):
        Membership.objects.create(tenant=tenant, user=user, role=role)
    mine = Membership.objects.filter(user_id=Parameter("user_id", models.BigIntegerField())).order_by("tenant_id")
    as_tuples = CompiledQuery(lambda: mine.values_list("tenant_id", "role", "all_projects"))
    as_dicts = CompiledQuery(lambda: mine.values("tenant_id", "role"))
    orm = Membership.objects.filter(user=user).order_by("tenant_id")
    assert as_tuples.run(user_id=user.pk) == list(orm.values_list("tenant_id", "role", "all_projects"))
    assert as_dicts.run(user_id=user.pk) == list(orm.values("tenant_id", "role"))
    assert as_tuples.run(user_id=UserFactory().pk) == []


def test_every_run_reads_the_database_and_the_sql_is_built_once(tokens):
    built = []

    def build():
        built.append(1)
        return _by_prefix()

    compiled = CompiledQuery(build)
    token = tokens[0]
    with CaptureQueriesContext(connection) as queries:
        assert compiled.run(prefix=token.prefix)[0].revoked_at is None
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        assert compiled.run(prefix=token.prefix)[0].revoked_at is not None
        ApiToken.objects.filter(pk=token.pk).delete()
        assert compiled.run(prefix=token.prefix) == []
    assert len(built) == 1
    reads = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(reads) == 3  # one per run: nothing of a result is kept
    assert len({sql.replace(token.prefix, "?") for sql in reads}) == 1


def test_a_value_is_made_ready_by_its_parameters_field():
    user = UserFactory()
    token, _ = token_issue(user=user, name="t")
    since = CompiledQuery(
        lambda: ApiToken.objects.filter(expires_at__gt=Parameter("moment", models.DateTimeField())).values_list("pk")
    )
    assert since.run(moment=token.expires_at - datetime.timedelta(seconds=1)) == [(token.pk,)]
    assert since.run(moment=token.expires_at) == []


def test_the_values_given_must_be_the_parameters(tokens):
    compiled = CompiledQuery(_by_prefix)
    with pytest.raises(TypeError, match="prefix"):
        compiled.run()
    with pytest.raises(TypeError, match="prefix"):
        compiled.run(prefix=tokens[0].prefix, other=1)


def test_a_parameter_run_by_the_orm_itself_fails_instead_of_matching(tokens):
    with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's own error, whichever the database
        list(_by_prefix())


def test_a_query_that_matches_nothing_asks_nothing():
    compiled = CompiledQuery(
        lambda: Membership.objects.none().filter(user_id=Parameter("user_id", models.IntegerField()))
    )
    with CaptureQueriesContext(connection) as queries:
        assert compiled.run(user_id=1) == []
    assert len(queries) == 0


def test_what_it_cannot_answer_is_refused_when_compiled():
    with pytest.raises(TypeError, match="prefetch"):
        CompiledQuery(lambda: ApiToken.objects.prefetch_related("user")).run()
    with pytest.raises(TypeError, match="FlatValuesListIterable"):
        CompiledQuery(lambda: ApiToken.objects.values_list("pk", flat=True)).run()


def test_shapes_are_built_once_per_key_and_connection_and_every_run_reads_afresh():
    from core.compiled import CompiledShapes

    shapes = CompiledShapes(limit=2)
    built = []

    def by_role(role):
        def build():
            built.append(role)
            return (
                Membership.objects.filter(role=role, user_id=Parameter("user_id", models.BigIntegerField()))
                .order_by("pk")
                .values("tenant_id", "role")
            )

        return build

    user = UserFactory()
    tenants = [TenantFactory() for _ in range(2)]
    Membership.objects.create(tenant=tenants[0], user=user, role=Role.ENGINEER)
    assert shapes.run(Role.ENGINEER, by_role(Role.ENGINEER), "default", user_id=user.pk) == [
        {"tenant_id": tenants[0].pk, "role": Role.ENGINEER}
    ]
    Membership.objects.create(tenant=tenants[1], user=user, role=Role.ENGINEER)
    assert len(shapes.run(Role.ENGINEER, by_role(Role.ENGINEER), "default", user_id=user.pk)) == 2
    assert shapes.run(Role.ENGINEER, by_role(Role.ENGINEER), "default", user_id=UserFactory().pk) == []
    assert built == [Role.ENGINEER]
    # Past the limit, a new shape is built every time it runs, never kept.
    for role in (Role.DELIVERY_LEAD, Role.CUSTOMER_VIEWER, Role.CUSTOMER_VIEWER):
        shapes.run(role, by_role(role), "default", user_id=user.pk)
    assert built == [Role.ENGINEER, Role.DELIVERY_LEAD, Role.CUSTOMER_VIEWER, Role.CUSTOMER_VIEWER]
    with pytest.raises(TypeError):
        shapes.run(Role.ENGINEER, by_role(Role.ENGINEER), "default")  # its parameter is missing
