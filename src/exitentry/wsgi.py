import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitentry.settings")
application = get_wsgi_application()

from exitentry.ops.worker import prepare_worker  # noqa: E402 - needs the settings loaded above

prepare_worker()
