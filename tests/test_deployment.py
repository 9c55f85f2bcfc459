"""The production deployment files: every setting documented, the image's health check, the compose stack."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")
GUNICORN_READ = re.compile(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def names_read():
    names = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(SETTINGS_READ.findall(path.read_text()))
    names |= set(GUNICORN_READ.findall((ROOT / "deploy" / "gunicorn.conf.py").read_text()))
    return names


def test_the_settings_read_are_found_by_the_scan():
    # Guards the scan itself: if it found nothing, the next test could not fail.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "WEB_CONCURRENCY"} <= names_read()


def test_every_setting_read_from_the_environment_is_in_the_example_and_the_guide():
    example = (ROOT / "deploy" / "env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert names_read() - listed == set()
    assert {name for name in names_read() if f"`{name}`" not in guide} == set()


def test_the_example_holds_no_secret():
    example = (ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^SECRET_KEY=$", example, flags=re.MULTILINE)
    assert re.search(r"^POSTGRES_PASSWORD=$", example, flags=re.MULTILINE)


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_compose_stack_runs_one_beat_and_every_process_with_the_production_settings():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    commands = {name: " ".join(service.get("command", [])) for name, service in services.items()}
    assert [name for name, command in commands.items() if " beat" in command] == ["beat"]
    assert "replicas" not in str(services["beat"].get("deploy", {}))
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert services[name]["env_file"] == ".env"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["postgres"]["image"].startswith("postgres:16")


def test_the_application_connects_as_a_role_that_does_not_own_the_tables():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("${DATABASE_URL:-postgres://${POSTGRES_APP_USER:-stagegate_app}:"), name
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith(
        "${DATABASE_MIGRATE_URL:-${DATABASE_URL:-postgres://${POSTGRES_USER:-"
    )
    command = " ".join(migrate["command"])
    assert command.index("manage.py migrate") < command.index("manage.py grant_app_role")
    assert "--password-env POSTGRES_APP_PASSWORD" in command
    example = (ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^POSTGRES_APP_PASSWORD=$", example, flags=re.MULTILINE)


def test_the_image_runs_as_a_user_of_its_own():
    dockerfile = (ROOT / "Dockerfile").read_text()
    [user] = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert user.split(":")[0] not in {"root", "0"}
    assert "HEALTHCHECK" in dockerfile
    assert "/health/live" in dockerfile


def healthcheck(port, path):
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), path],
        env={"PORT": str(port), "ALLOWED_HOSTS": ".example.test,localhost"},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.django_db(transaction=True)
def test_the_image_health_check_passes_on_a_live_server_and_fails_otherwise(live_server, settings):
    settings.ALLOWED_HOSTS = ["example.test"]  # the first usable name the script finds in ALLOWED_HOSTS
    port = live_server.url.rsplit(":", 1)[1]
    assert healthcheck(port, "/health/live").returncode == 0
    missing = healthcheck(port, "/health/nowhere")
    assert (missing.returncode, "HTTP 404" in missing.stderr) == (1, True)


def test_the_image_health_check_fails_when_nothing_listens():
    result = healthcheck(9, "/health/live")  # the discard port: nothing answers there
    assert result.returncode == 1
