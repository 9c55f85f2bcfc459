# syntax=docker/dockerfile:1
# Stagegate's production image: gunicorn serves the web application; the same image runs the
# Celery worker, beat and the migrations (see compose.yaml and docs/deployment.md).

ARG PYTHON_VERSION=3.11

# --- build: dependencies into a virtualenv -----------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# A client's cloud may only reach its own package mirror: pass --build-arg PIP_INDEX_URL=...
ARG PIP_INDEX_URL
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements/ /tmp/requirements/
RUN pip install --upgrade pip \
    && pip install -r /tmp/requirements/production.txt

# --- runtime: the virtualenv, the code, the collected static files ------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="Stagegate" \
      org.opencontainers.image.description="Client AI projects from first idea to production: stages, deployment, readiness and cost"

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8000

RUN groupadd --system --gid 10001 stagegate \
    && useradd --system --uid 10001 --gid stagegate --home-dir /app --shell /usr/sbin/nologin stagegate

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code belongs to root and is only read by the application's user.
COPY . /app

# Static files are part of the image (served by WhiteNoise with hashed names). The production
# settings refuse to load without these variables; the values below exist for this step only
# and are not kept in the image. Nothing connects to them.
RUN SECRET_KEY=collectstatic-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://collectstatic@localhost:5432/collectstatic \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && python -m compileall -q /app

USER stagegate:stagegate
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "/health/live"]

# Worker processes from WEB_CONCURRENCY, threads from GUNICORN_THREADS (deploy/gunicorn.conf.py).
CMD ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py", "config.wsgi:application"]
