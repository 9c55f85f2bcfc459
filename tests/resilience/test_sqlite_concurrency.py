"""The embedded default (a SQLite file, `make run`'s runserver) under a small team's concurrent use:
twenty approvals sent at the same moment all get answers, none "database is locked".

It runs whatever database the suite uses: the product runs in subprocesses on a SQLite file of its
own, configured by the settings exactly as the embedded default is (only the file's path differs).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPROVALS = 20

SETUP = f"""
import json
from tenancy.models import Role
from tenancy.services import membership_grant, tenant_create, token_issue
from accounts.models import User
from projects.services.approvals import approval_request_create
from projects.services.projects import project_create

tenant = tenant_create(name="Acme", slug="acme", industry="retail")
lead = User.objects.create_user("lead")
approver = User.objects.create_user("approver")
admin = User.objects.create_user("cadmin")
membership_grant(tenant=tenant, user=admin, role=Role.CUSTOMER_ADMIN)
membership_grant(tenant=tenant, user=lead, role=Role.DELIVERY_LEAD)
membership_grant(tenant=tenant, user=approver, role=Role.CUSTOMER_APPROVER)
requests = []
for index in range({APPROVALS}):
    project = project_create(tenant=tenant, actor=lead, name=f"Project {{index}}", code=f"P-{{index}}")
    requests.append(approval_request_create(project=project, actor=lead).pk)
_, token = token_issue(user=approver, name="approvals", scopes=["read", "approve"])
print(json.dumps({{"token": token, "requests": requests}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def embedded(tmp_path):
    """The product on a fresh SQLite file: migrated, a client with 20 pending approval requests, and runserver."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "STAGEGATE_REQUIRE_SERVICES", "DATABASE_MIGRATE_URL"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout

    manage("migrate", "--noinput")
    data = json.loads(manage("shell", "-c", SETUP).strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "runserver.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "runserver.log").read_text()
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", data
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_twenty_simultaneous_approvals_on_sqlite_all_get_answers(embedded):
    base, data = embedded
    start = threading.Barrier(APPROVALS)
    answers = {}

    def approve(request_id):
        request = urllib.request.Request(
            f"{base}/api/v1/approval-requests/{request_id}/approve/",
            data=b'{"comment": "fine"}',
            headers={"Authorization": f"Bearer {data['token']}", "Content-Type": "application/json"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers[request_id] = (response.status, json.loads(response.read())["status"])
        except urllib.error.HTTPError as error:
            answers[request_id] = (error.code, error.read().decode(errors="replace")[:300])

    threads = [threading.Thread(target=approve, args=(request_id,)) for request_id in data["requests"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == dict.fromkeys(data["requests"], (200, "approved"))
