"""Development: the embedded default (SQLite, tasks in process) unless the environment says otherwise.

DEBUG stays off unless DJANGO_DEBUG=true, so `make run` shows what people see (the product's error
pages, not Django's technical ones); tracebacks still go to the terminal through the log. With DEBUG
off, runserver serves no static files: WhiteNoise serves them from the app and project folders.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only-key")
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
