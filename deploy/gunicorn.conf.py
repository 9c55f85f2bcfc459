"""Gunicorn settings for the Stagegate image, read from the environment (see deploy/env.example).

The web container runs ``gunicorn -c deploy/gunicorn.conf.py config.wsgi``.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers, each with a few threads: requests wait on PostgreSQL, not on the CPU.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Heartbeat files in memory: a container's overlay file system can stall them.
worker_tmp_dir = "/dev/shm"
# No control socket: nothing in the container uses it, and the home directory may be read-only.
control_socket_disable = True

# The application logs one line per request itself (config/logging.py), with its request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

if os.environ.get("LOG_FORMAT") == "json":
    # Gunicorn's own records (start, worker restarts, timeouts) in the same JSON lines as the application's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        },
    }
