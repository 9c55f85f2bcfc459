"""Settings shared by every deployment.

Everything that differs between deployments is read from the environment. The defaults
describe the embedded mode a newcomer gets with nothing set: a SQLite file, Celery tasks run
in process, an in-memory cache. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL and Redis.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# --- Applications -----------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "tenancy",
    "api",
    "audit",
    "webhooks",
    "projects",
    "deployments",
    "assessments",
    "notifications",
    # Benchmark and demo data (generate_portfolio, seed_demo, take_screenshots): not the product.
    # The production settings leave it out unless TOOLING_INSTALLED is on.
    "tooling",
]

#: Form fields and Django's widget templates drawn by Jinja2, several times faster (core/renderers.py).
FORM_RENDERER = "core.renderers.WidgetRenderer"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path, query string or headers (sessions, audit): NUL is refused.
    "api.middleware.UnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each person's reach (memberships, grants) is read once per request, then reused (tenancy.access).
    "tenancy.access.AccessScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Says in a header when a committed write's follow-up work could not be queued (core.deferred).
    "core.deferred.DeferredWorkMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Pages answer htmx with a part of themselves: browsers must not give one for the other.
    "core.htmx.HtmxVaryMiddleware",
    # Inside the layout's needs (the person, the CSP): a page's form body the database cannot store
    # is refused before any view reads it, and a page's 405 is the product's page, not a blank one.
    "core.form_bodies.UnstorableFormMiddleware",
    "core.error_pages.MethodNotAllowedPageMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # Inside the audit context: one log line per request, carrying its request id.
    "config.logging.RequestLogMiddleware",
    # Last: refuses sign-in attempts from a locked-out username and address.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the permission filter of every list whenever its estimate crosses
    # jit_above_cost, which the filter's OR'd subqueries do on large portfolios, and the compiling
    # costs far more than the query (measured in docs/performance.md). Short OLTP queries never gain from it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a small team: without these, concurrent writes answer "database
    # is locked" (tests/resilience/test_sqlite_concurrency.py). WAL lets reads go on during a
    # write; IMMEDIATE takes the write lock when a transaction begins, so two transactions never
    # both read and then deadlock on upgrading to write; a writer waits up to `timeout` seconds for
    # the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stagegate",
            # A cache that does not answer fails fast instead of holding a request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People and permissions -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: counts failed sign-ins and refuses a locked-out username from the same address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Object permissions are never granted to anonymous visitors, so guardian needs no such user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes): after this many failures for one username from one address,
# that pair is locked out for the cool-off time. Every sign-in, failure and sign-out is audited.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
AXES_VERBOSE = False

# Sessions end after a working day, whatever the activity, and with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- API --------------------------------------------------------------------------------------

# A changes feed's window ends this many seconds before now (api/feeds.py): the allowance for the
# application's clock running ahead of the database's, and for a change between reading the clock
# and writing its row.
CHANGES_FEED_CLOCK_MARGIN = env.float("CHANGES_FEED_CLOCK_MARGIN", default=2.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    # Production drops the browsable API unless API_BROWSABLE is set (config/settings/production.py).
    "DEFAULT_RENDERER_CLASSES": [
        "api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    # JSON only: one body format to document, validate and generate clients for.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.StagegateAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token_issue": env("API_TOKEN_ISSUE_RATE", default="10/min"),
        "per_token": env("API_PER_TOKEN_RATE", default="1200/min"),
    },
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PerTokenThrottle"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stagegate API",
    "DESCRIPTION": "Projects, rollout approvals, readiness and cost for ticketing integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package: no CDN, and it fits the content security policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # A description is the API class's own docstring, never that of the plumbing it mixes in.
    "GET_LIB_DOC_EXCLUDES": "api.schema.lib_doc_excludes",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "webhooks.openapi.add_webhook_events",
        "api.fields.add_json_object_component",
        "api.examples.add_request_examples",
        "api.schema.allow_empty_query_values",
        "api.schema.refuse_other_body_names",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "projects.models.project.Stage",
        "CapabilityEnum": "projects.models.profile.Capability",
        "WeekdayEnum": "projects.models.rollout.FreezeWindow.Weekday",
        "FreezeWindowKindEnum": "projects.models.rollout.FreezeWindow.Kind",
        "PromotionTargetEnum": "projects.models.rollout.PROMOTION_TARGET_CHOICES",
        "DeploymentModelEnum": "projects.models.project.DeploymentModel",
        "EvidenceLinkKindEnum": "projects.models.project.EvidenceLink.Kind",
        "EnvironmentKindEnum": "deployments.models.CustomerCloudEnvironment.Kind",
        "EvidenceItemEnum": "assessments.api.serializers.EVIDENCE_ITEM_CHOICES",
        "NotificationKindEnum": "notifications.models.Kind",
        "RoleEnum": "tenancy.models.Role",
        "ProjectRoleEnum": "projects.services.access.PROJECT_ROLE_CHOICES",
        "HybridModeEnum": "assessments.models.HybridMode",
        "CostOriginEnum": "assessments.api.documents.ORIGINS",
    },
}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)

# --- Content security policy -----------------------------------------------------------------
# Pages load scripts, styles and images from this site only; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Celery -----------------------------------------------------------------------------------
# Without Redis, tasks run in process (eager) so the embedded mode needs no broker.

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# An unacknowledged task comes back only after this, so it must exceed the longest task.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages a dead worker left unacknowledged (about interval × throttle s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Enqueueing gives up after about two seconds when Redis is down, so a request answers with a
# clear error instead of hanging (the job is recorded as failed).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Run exactly one beat process: it is the only scheduler (far-future ETAs are lost on Redis restarts).
# Without Redis, `make run` runs this same list in process (manage.py run_schedule, tooling/schedule.py).
CELERY_BEAT_SCHEDULE = {
    "expire-approval-requests": {"task": "projects.expire_approval_requests", "schedule": 300.0},
    "import-prices": {"task": "assessments.import_prices", "schedule": crontab(hour=1, minute=30)},
    "nightly-assessments-and-costs": {"task": "assessments.nightly", "schedule": crontab(hour=2, minute=0)},
    "send-due-webhooks": {"task": "accounts.send_due_webhooks", "schedule": 60.0},
    "expire-idempotency-records": {"task": "accounts.expire_idempotency_records", "schedule": 3600.0},
    "send-reminders": {"task": "notifications.send_reminders", "schedule": 900.0},
    "send-unsent-emails": {"task": "notifications.send_unsent_emails", "schedule": 600.0},
}
# An Idempotency-Key is remembered this long after its request (docs/integration.md, "Retries");
# a claim still unanswered after IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS (well over the web server's
# request timeout) belonged to a process that died, and a retry takes it over.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS = 300
# Webhook targets on private, loopback or link-local addresses are refused unless this is on.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)

# --- Notifications and email -------------------------------------------------------------------
# Emails go through Django's email framework: printed to the console unless EMAIL_URL names a mail
# server (smtp+tls://user:password@host:587, smtp+ssl://...:465; django-environ's email URL).
# `manage.py check --deploy` warns while it is unset or SITE_URL is the development address.
# An empty EMAIL_URL (as an .env file may leave it) means unset, like the other variables.
_email = env.email_url_config(env("EMAIL_URL", default="") or "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stagegate <stagegate@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people open Stagegate at: the links in emails start with it.
SITE_URL = (env("SITE_URL", default="") or "http://127.0.0.1:8000").rstrip("/")
# Approvers who have not decided are reminded once a pending request has this many hours left.
APPROVAL_REMINDER_HOURS = env.int("APPROVAL_REMINDER_HOURS", default=24)
# Whoever recorded evidence, and the project's lead, are told this many days before it expires.
EVIDENCE_REMINDER_DAYS = env.int("EVIDENCE_REMINDER_DAYS", default=7)

# --- Logging ----------------------------------------------------------------------------------

# Plain lines for a person at a terminal (the embedded default); LOG_FORMAT=json in production writes
# one JSON object per line. Every record carries its request id or Celery task id (config/logging.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logging.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # One line per task is noise in the embedded mode, where tasks run in process.
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # Lock-outs are warnings; axes' per-sign-in notes are noise.
        "axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")},
        # One line per request (runserver prints its own in development; set WARNING to keep errors only).
        "stagegate.request": {"level": env("REQUEST_LOG_LEVEL", default="INFO")},
    },
}

# --- Demo -------------------------------------------------------------------------------------

DEMO_PASSWORD = "stagegate-demo"
