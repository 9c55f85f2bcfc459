"""The WSGI application gunicorn serves (``config.wsgi:application``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# What serving loads and keeps for the life of the process (Django, the apps, the URLs and the views
# they import: well over 100,000 objects) is kept out of the garbage collector's full collections,
# each of which would otherwise walk all of it: a pause of tens of milliseconds that one request in
# several hundred pays. As the Celery worker does (config/celery_app.py).
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view now, not on the first request
gc.collect()
gc.freeze()
