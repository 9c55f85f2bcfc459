"""A Stagegate webhook receiver, standard library only: verify, process each delivery once, route by ticket.

Run it behind your HTTPS proxy (Stagegate sends only to public addresses):

    STAGEGATE_WEBHOOK_SECRET=… python webhook_receiver.py --port 8080 --record routed.jsonl

or with ``--secret-file PATH`` (one secret per line, read again on every delivery, so you can add the
new secret after a rotation without a restart). For every delivery it:

1. verifies ``X-Stagegate-Signature-256`` with ``verify`` of ``verify_webhook.py`` (next to this file):
   a wrong signature, a changed body or a time outside 5 minutes is refused with 401 and nothing is
   recorded;
2. drops a delivery whose ``X-Stagegate-Delivery`` id it has processed before (answering 200, so
   Stagegate stops retrying): the ids are kept in a SQLite file (``--seen``) for 7 days, longer
   than the 5-minute window;
3. routes the event by the ticket keys in ``data.tickets`` (every event about a project carries
   them): it prints one line per ticket and appends it to ``--record`` as JSON; put your own
   action in ``route`` (comment on the Jira issue, update the ServiceNow change...);
4. with ``--jira-url`` (a Jira Automation "Incoming webhook" trigger's URL) and its secret in
   ``JIRA_WEBHOOK_TOKEN``, forwards each event that has a Jira ticket to that rule: the Stagegate
   body unchanged plus ``"issues": ["<key>"]``, with the ``X-Automation-Webhook-Token`` header.
   Jira Automation cannot check an HMAC signature itself, so this receiver checks it first. If
   Jira does not take it, the receiver answers 502, forgets the delivery id, and Stagegate retries.

It answers 2xx quickly: do slow work after answering (a queue), Stagegate waits 10 seconds at most.
"""

import argparse
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_webhook import verify  # the example next to this one

MAX_BODY_BYTES = 1_000_000
KEEP_SEEN_SECONDS = 7 * 24 * 3600


class SeenDeliveries:
    """Delivery ids already processed, in SQLite, so a restart does not forget them."""

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (delivery_id TEXT PRIMARY KEY, at REAL NOT NULL)")
        self.db.commit()

    def first_time(self, delivery_id: str) -> bool:
        """Record the id; False if it was there already."""
        with self.lock:
            now = time.time()
            self.db.execute("DELETE FROM seen WHERE at < ?", (now - KEEP_SEEN_SECONDS,))
            inserted = self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (delivery_id, now)).rowcount
            self.db.commit()
            return inserted == 1

    def forget(self, delivery_id: str) -> None:
        """Processing failed: let Stagegate's retry of this delivery through."""
        with self.lock:
            self.db.execute("DELETE FROM seen WHERE delivery_id = ?", (delivery_id,))
            self.db.commit()


def forward_to_jira(jira_url: str, token: str, event: dict, key: str) -> None:
    """POST the event to a Jira Automation incoming webhook, naming the issue; OSError if refused."""
    body = json.dumps({**event, "issues": [key]}).encode()
    request = urllib.request.Request(
        jira_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Automation-Webhook-Token": token},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # a 4xx/5xx raises HTTPError (an OSError)
        response.read()


def route(event: dict, delivery_id: str, record_path: str | None, jira_url: str | None = None) -> list[dict]:
    """Send the event to the ticket(s) of its project: one routing line per ticket ("unrouted" if none)."""
    data = event.get("data") or {}
    tickets = data.get("tickets") or [None]
    routed = []
    for ticket in tickets:
        line = {
            "delivery": delivery_id,
            "event": event["id"],
            "type": event["type"],
            "project_id": data.get("project_id"),
            "system": ticket["system"] if ticket else None,
            "ticket": ticket["key"] if ticket else None,
        }
        # Your integration goes here, e.g. add a comment to the Jira issue ticket["key"].
        if jira_url and ticket and ticket["system"] == "jira":
            forward_to_jira(jira_url, os.environ.get("JIRA_WEBHOOK_TOKEN", ""), event, ticket["key"])
        where = f"{ticket['system']}:{ticket['key']}" if ticket else "unrouted (the project has no ticket)"
        print(f"{event['type']} -> {where} (delivery {delivery_id})", flush=True)
        routed.append(line)
    if record_path:
        with open(record_path, "a", encoding="utf-8") as record:
            record.writelines(json.dumps(line) + "\n" for line in routed)
    return routed


def load_secrets(secret_file: str | None) -> list[str]:
    if secret_file:
        lines = Path(secret_file).read_text(encoding="utf-8").splitlines() if Path(secret_file).exists() else []
        return [line.strip() for line in lines if line.strip()]
    return [os.environ["STAGEGATE_WEBHOOK_SECRET"]] if os.environ.get("STAGEGATE_WEBHOOK_SECRET") else []


def make_handler(*, secret_file: str | None, seen: SeenDeliveries, record_path: str | None, jira_url: str | None):
    class Handler(BaseHTTPRequestHandler):
        server_version = "StagegateExampleReceiver/1"

        def answer(self, status: int, message: str) -> None:
            body = json.dumps({"result": message}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self.answer(413, "too large")
            raw_body = self.rfile.read(length)
            headers = {
                name: self.headers.get(name, "") for name in ("X-Stagegate-Signature-256", "X-Stagegate-Delivery")
            }
            event, error = None, "no secret configured"
            for secret in load_secrets(secret_file):  # during a rotation: the new secret, then the old
                try:
                    event, error = verify(secret, headers, raw_body), None
                    break
                except ValueError as refusal:
                    error = str(refusal)
            if event is None:
                print(f"refused: {error}", flush=True)
                return self.answer(401, f"refused: {error}")
            delivery_id = headers["X-Stagegate-Delivery"]
            if not seen.first_time(delivery_id):
                print(f"duplicate delivery {delivery_id}: already processed", flush=True)
                return self.answer(200, "duplicate")
            try:
                route(event, delivery_id, record_path, jira_url)
            except OSError as error:
                seen.forget(delivery_id)
                print(f"not forwarded, Stagegate will retry: {error}", flush=True)
                return self.answer(502, "not forwarded")
            return self.answer(200, "accepted")

        def log_message(self, *args):  # the routing lines above are the log
            pass

    return Handler


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0: any free port (printed at start)")
    parser.add_argument("--secret-file", help="one secret per line; else STAGEGATE_WEBHOOK_SECRET")
    parser.add_argument("--seen", default="stagegate-seen-deliveries.sqlite3", help="SQLite file of processed ids")
    parser.add_argument("--record", help="append each routing decision to this file, one JSON object a line")
    parser.add_argument("--jira-url", help="a Jira Automation incoming webhook's URL (its secret: JIRA_WEBHOOK_TOKEN)")
    options = parser.parse_args(argv)
    handler = make_handler(
        secret_file=options.secret_file,
        seen=SeenDeliveries(options.seen),
        record_path=options.record,
        jira_url=options.jira_url,
    )
    server = ThreadingHTTPServer((options.host, options.port), handler)
    print(f"listening on http://{options.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
