"""Each settings module loads, and reads its services from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "p7#Qz!v2Lr9@xW4m^Kd8*Hs3&Nf6(Tb1)Yc5_Ge0+Ja-Uo=Ri]Sl[Ew{Dq}Zk"

PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery_app import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "debug": settings.DEBUG,
}))
"""


def run(args, module, **env):
    unset = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=240)


def probe(module, **env):
    result = run(["-c", PROBE], module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_embedded_default_needs_no_service(module):
    loaded = probe(module)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["cache"].endswith("LocMemCache")
    assert loaded["eager"] is True
    assert loaded["broker"].startswith("memory://")


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_database_and_redis_urls_switch_to_the_real_services(module):
    loaded = probe(
        module, DATABASE_URL="postgres://postgres@127.0.0.1:5432/stagegate", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "stagegate"
    assert loaded["cache"].endswith("RedisCache")
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://127.0.0.1:6379/3"


def test_local_settings_debug_only_when_asked():
    # make run shows what people see (tests/test_error_pages.py); DJANGO_DEBUG=true brings Django's pages.
    assert probe("config.settings.local")["debug"] is False
    assert probe("config.settings.local", DJANGO_DEBUG="true")["debug"] is True


PRODUCTION_ENV = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "stagegate.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/stagegate",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://stagegate:password@smtp.example.org:587",
    "SITE_URL": "https://stagegate.example.org",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "DATABASE_URL must point to PostgreSQL"),
        ("REDIS_URL", "REDIS_URL must be set"),
    ],
)
def test_production_refuses_to_start_without_its_essentials(missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run(["manage.py", "check"], "config.settings.production", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_sqlite():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/stagegate.sqlite3"}
    result = run(["manage.py", "check"], "config.settings.production", **env)
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


def test_production_passes_the_deployment_checklist():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], "config.settings.production", **PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_without_redis_tasks_run_in_process():
    script = (
        "import django; django.setup(); from config.celery_app import health_check; print(health_check.delay().get())"
    )
    result = run(["-c", script], "config.settings.local", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_a_worker_process_freezes_its_start_up_objects_and_collects_young_objects_less_often():
    """What every worker process does when it starts (``worker_process_init``), run in a fresh
    interpreter so this test process's own collector is left alone."""
    script = (
        "import django, gc; django.setup(); from celery.signals import worker_process_init; "
        "from config.celery_app import WORKER_GC_THRESHOLDS; before = gc.get_threshold(); "
        "worker_process_init.send(sender=None); "
        "print(before != WORKER_GC_THRESHOLDS, gc.get_threshold() == WORKER_GC_THRESHOLDS, "
        "gc.get_freeze_count() > 100000)"
    )
    result = run(["-c", script], "config.settings.local", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


def test_the_web_application_freezes_what_it_loads_out_of_full_garbage_collections():
    script = "import gc; import config.wsgi; print(gc.get_freeze_count() > 100000)"
    result = run(["-c", script], "config.settings.local", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]
