"""The count of requests waiting for someone is answered from indexes of the policies' eligibility
arrays (``projects`` migration 0014), not by reading every pending request's policy: at 200,000
projects a platform admin's count read 12,000 policies (15 ms of the dashboard, growing with the
portfolio), and reads the few hundred waiting for them now (2 ms; docs/performance.md). Which plan
PostgreSQL picks depends on the table's size, so these tests hold the indexes to the expressions the
rule (``selectors.waiting_for``) writes, which is what lets the planner use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.selectors import waiting_for
from projects.services.approvals import approval_request_create
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

INDEXED = {"request_pending_eligible_users": "eligible_user_ids", "request_pending_eligible_roles": "eligible_roles"}


def _definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'projects_approvalrequest' "
            "AND indexname LIKE 'request_pending_eligible_%%'"
        )
        return dict(cursor.fetchall())


def test_the_indexes_are_of_the_arrays_the_rule_reads_pending_requests_only():
    definitions = _definitions()
    assert set(definitions) == set(INDEXED)
    for name, key in INDEXED.items():
        assert f"USING gin (((policy -> '{key}'::text)) jsonb_path_ops)" in definitions[name]
        assert definitions[name].endswith("WHERE ((status)::text = 'pending'::text)")


@pytest.mark.parametrize("who", ["platform", "approver", "lead"])
def test_the_rule_filters_on_the_indexed_expressions(tenant, people, who):
    """The SQL of the rule for each kind of person: pending requests, and each array compared with
    ``@>`` (what ``jsonb_path_ops`` answers) as the very expression indexed."""
    for n in range(3):
        approval_request_create(project=ProjectFactory(tenant=tenant, code=f"IDX-{n}"), actor=people["lead"])
    with CaptureQueriesContext(connection) as captured:
        count = waiting_for(people[who]).count()
    assert count == (3 if who == "approver" else 0)
    sql = captured.captured_queries[-1]["sql"]  # as sent: the values in place
    assert """"projects_approvalrequest"."status" = 'pending'""" in sql
    assert """("projects_approvalrequest"."policy" -> 'eligible_user_ids')) @> '[""" in sql
    if who != "lead":  # a lead of no tenant of the requests': named or nothing
        assert """("projects_approvalrequest"."policy" -> 'eligible_roles')) @> '[""" in sql
