"""Production: refuses to start without a secret key, allowed hosts, PostgreSQL and Redis."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, REDIS_URL, REST_FRAMEWORK, STORAGES, env

DEBUG = False

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")

if not env("DATABASE_URL", default="") or DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production (postgres://...).")

if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production: Redis is the Celery broker and the cache.")

# The API answers JSON only: the browsable API renders forms and filter drop-downs, a surface
# production does not need. API_BROWSABLE=true turns it on (it shows only what the reader may see).
if not env.bool("API_BROWSABLE", default=False):
    REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"]}

# The benchmark and demo commands (tooling/) write published passwords and bulk generated rows:
# a real database never needs them, and the image leaves them out, with make run's scheduler (beat
# schedules here). `make bench` turns them on to generate its portfolio under the very settings it
# measures, on a database made for it.
if not env.bool("TOOLING_INSTALLED", default=False):
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "tooling"]

DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health probes come over plain HTTP from inside the host or cluster: answer them, don't redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
