"""The WSGI application that production servers (gunicorn: `make run`, scripts/serve) load.

Django's development server runs the system checks before it serves; gunicorn does not, so
the application runs them as it loads and a worker refuses to boot on an error (debug mode
under a public host name, bekitu.core.checks).
"""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
application = get_wsgi_application()
_errors = [e for e in checks.run_checks() if e.is_serious() and not e.is_silenced()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(e) for e in _errors))
