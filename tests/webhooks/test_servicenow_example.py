"""The guide's ServiceNow Scripted REST script, run as written under Node.js with the few ServiceNow
objects it uses stood in for (HMAC by Node's crypto, an in-memory GlideRecord), against a real
delivery: it accepts it, notes it on the change request of the project's ServiceNow ticket, drops
the same delivery the second time, and refuses a tampered body. Skipped where Node.js is missing."""

import base64
import hashlib
import hmac
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from projects.services.projects import project_update, ticket_link
from tests.webhooks.test_webhooks import Receiver, send_due
from webhooks import services as webhook_services

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
pytestmark = pytest.mark.django_db

#: ServiceNow's objects as the script uses them; the script runs with them in scope.
HARNESS = r"""
const crypto = require('crypto');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const store = {change_request: [{number: 'CHG0012345', work_notes: ''}], u_stagegate_delivery: input.seen};
function GlideRecord(table) { this._table = table; this._row = null; }
GlideRecord.prototype.get = function (field, value) {
  const row = store[this._table].find(r => r[field] === value);
  if (!row) return false;
  this._row = row; Object.assign(this, row); return true;
};
GlideRecord.prototype.initialize = function () { this._row = null; };
GlideRecord.prototype._fields = function () {
  return Object.fromEntries(Object.entries(this).filter(([k]) => !k.startsWith('_')));
};
GlideRecord.prototype.insert = function () { store[this._table].push(this._fields()); };
GlideRecord.prototype.update = function () { Object.assign(this._row, this._fields()); };
const gs = {getProperty: () => input.secret, base64Encode: s => Buffer.from(s, 'utf8').toString('base64')};
function GlideCertificateEncryption() {}
GlideCertificateEncryption.prototype.generateMac = (key, algorithm, data) => {
  if (algorithm !== 'HmacSHA256') throw new Error(algorithm);
  return crypto.createHmac('sha256', Buffer.from(key, 'base64')).update(data, 'utf8').digest('base64');
};
function GlideDateTime() {}
GlideDateTime.prototype.getNumericValue = () => input.now * 1000;
const answer = {};
const request = {body: {dataString: input.body}, getHeader: name => input.headers[name]};
const response = {setStatus: s => { answer.status = s; }, setBody: b => { answer.body = b; }};
new Function('request', 'response', 'gs', 'GlideRecord', 'GlideCertificateEncryption', 'GlideDateTime', input.script)(
  request, response, gs, GlideRecord, GlideCertificateEncryption, GlideDateTime);
console.log(JSON.stringify({answer, store}));
"""


def guide_script():
    return re.search(r"### ServiceNow.*?```javascript\n(.*?)```", GUIDE.read_text(), re.S).group(1)


def run(node, *, secret, headers, body, now, seen):
    payload = {"script": guide_script(), "secret": secret, "headers": headers, "body": body, "now": now, "seen": seen}
    done = subprocess.run([node, "-e", HARNESS], input=json.dumps(payload), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_guides_servicenow_script_verifies_deduplicates_and_notes_the_change(settings, tenant, people, project):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is not installed")
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    ticket_link(project=project, actor=people["lead"], system="servicenow", key="CHG0012345")
    ticket_link(project=project, actor=people["lead"], system="jira", key="AI-42")
    receiver = Receiver()
    try:
        endpoint = webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=receiver.url)
        project_update(project=project, actor=people["lead"], name="Noted")
        send_due()
    finally:
        receiver.close()
    sent = receiver.requests[0]
    headers, body = sent["headers"], sent["body"].decode()
    now = int(headers["X-Stagegate-Timestamp"])

    first = run(node, secret=endpoint.secret, headers=headers, body=body, now=now, seen=[])
    assert first["answer"] == {"status": 200, "body": {"result": "accepted"}}
    note = first["store"]["change_request"][0]["work_notes"]
    assert note.startswith(f"Stagegate: project.updated by lead (project {project.pk}, event ")
    assert first["store"]["u_stagegate_delivery"] == [{"u_delivery_id": headers["X-Stagegate-Delivery"]}]

    again = run(
        node, secret=endpoint.secret, headers=headers, body=body, now=now, seen=first["store"]["u_stagegate_delivery"]
    )
    assert again["answer"]["body"] == {"result": "duplicate"}

    for refused, kwargs in {
        "bad signature": {"body": body.replace('"CHG0012345"', '"CHG0099999"')},
        "stale delivery": {"now": now + 3600},
        "malformed signature header": {"headers": {**headers, "X-Stagegate-Signature-256": ""}},
    }.items():
        answer = run(
            node, **{"secret": endpoint.secret, "headers": headers, "body": body, "now": now, "seen": [], **kwargs}
        )
        assert answer["answer"] == {"status": 401, "body": {"result": refused}}
        assert answer["store"]["change_request"][0]["work_notes"] == ""


def test_the_guides_hmac_check_vector_is_right():
    guide = GUIDE.read_text()
    message = b'1700000000.00000000-0000-4000-8000-000000000000.{"type": "test"}'
    digest = hmac.new(b"test-secret", message, hashlib.sha256)
    assert base64.b64encode(digest.digest()).decode() in guide
    assert digest.hexdigest() in guide
