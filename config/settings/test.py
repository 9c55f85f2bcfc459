"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, SQLite and eager tasks otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="django-insecure-test-only-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The tests' application and database share one clock: a feed may end at now (api/feeds.py).
CHANGES_FEED_CLOCK_MARGIN = 0
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
