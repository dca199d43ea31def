"""WSGI entry point (production servers: granian or gunicorn).

Django is wrapped in the finished-response cache (townhall.core.wsgi): anonymous readers
of a petition page or count.json are answered from a copy at most
TOWNHALL["PUBLIC_READ_CACHE_SECONDS"] old without entering Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django_application = get_wsgi_application()

from townhall.core.wsgi import FinishedResponses  # noqa: E402 - needs Django set up first

application = FinishedResponses(django_application)
