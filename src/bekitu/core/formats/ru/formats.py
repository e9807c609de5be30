"""Russian: Django's own formats, with dates and moments as numbers (27.11.2026 18:04), as
the service's documents write them, rather than in words."""

from django.conf.locale.ru.formats import *  # noqa: F403

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
