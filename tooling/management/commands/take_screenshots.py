"""Refresh the README's screenshots from the running product: ``make screenshots``.

Starts the development server on the current database (load the demo data first), signs in as
demo accounts in headless Chromium and saves PNGs of the main pages.
"""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.models import Project

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORT = 8765
#: A desktop, and a phone (the 375 px the browser tests walk).
WIDE, NARROW = 1280, 375


def shots(project):
    """What to take: (account, path, file, viewport width)."""
    return [
        ("lead", "/", "dashboard.png", WIDE),
        ("lead", "/projects/", "project-list.png", WIDE),
        ("lead", f"/projects/{project.pk}/", "project.png", WIDE),
        ("lead", f"/projects/{project.pk}/requirements/", "questionnaire.png", WIDE),
        ("lotus-approver", "/inbox/", "approval-inbox.png", WIDE),
        ("lotus-approver", f"/projects/{project.pk}/", "project-decision.png", WIDE),
        ("lotus-approver", "/notifications/", "notifications.png", WIDE),
        ("lead", "/requests/mine/", "my-requests.png", WIDE),
        ("lotus-admin", "/settings/lotus/members/", "settings-members.png", WIDE),
        ("admin", "/catalog/", "price-catalog.png", WIDE),
        ("lead", "/", "dashboard-narrow.png", NARROW),
        ("lead", "/projects/", "project-list-narrow.png", NARROW),
        ("lead", f"/projects/{project.pk}/", "project-narrow.png", NARROW),
    ]


class Command(BaseCommand):
    help = "Take PNG screenshots of the main pages with the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/screenshots")
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args, out, chromium, **options):
        # Imported when the command runs: playwright is a development dependency, not installed in production.
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - playwright is a development dependency

        if not Path(chromium).exists():
            raise CommandError(f"No Chromium at {chromium}: apt-get install chromium")
        project = Project.objects.filter(code="LOT-SOCIAL").first()
        if project is None:
            raise CommandError("Load the demo data first: python manage.py seed_demo")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        base = f"http://127.0.0.1:{PORT}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(f"{base}/accounts/login/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
                for username, path, name, width in shots(project):
                    # A phone's shot is its screen, as a person holds it; a desktop's the whole page.
                    height = 812 if width == NARROW else 900
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    page.goto(f"{base}/accounts/login/")
                    page.get_by_label("Username").fill(username)
                    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url(f"{base}/")
                    page.goto(f"{base}{path}")
                    # Panels that htmx fills after the page loads (the questionnaire's consequences).
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / name), full_page=width != NARROW)
                    context.close()
                    self.stdout.write(f"  {out / name}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"The server did not answer at {url}")
