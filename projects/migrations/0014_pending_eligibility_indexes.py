from django.db import migrations

#: Who may decide a pending request is in the policy it carries (``projects.selectors._eligible``):
#: ``(policy -> 'eligible_user_ids') @> '[<id>]'`` or ``(policy -> 'eligible_roles') @> '["<role>"]'``.
#: Without an index PostgreSQL reads every pending request's policy to count those waiting for one
#: person: for a platform admin, all of them (12,000 of a 200,000-project portfolio: 15 ms of the
#: dashboard, growing with the portfolio). These GIN indexes of the two arrays, pending requests only,
#: answer the condition from the index. PostgreSQL only: elsewhere the condition is ``json_each``.
INDEXES = {
    "request_pending_eligible_users": "eligible_user_ids",
    "request_pending_eligible_roles": "eligible_roles",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, key in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON projects_approvalrequest "
            f"USING gin ((policy -> '{key}') jsonb_path_ops) WHERE status = 'pending'"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0013_request_pending_oldest")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
