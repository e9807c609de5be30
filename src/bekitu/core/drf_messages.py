"""Messages of Django REST framework that its own Russian catalogue lacks, named here so that
the project's catalogues carry them (`makemessages` finds them): without them a Russian
reader of the API got them in Kazakh, the site's default language, which Django falls back
to. Never called: the framework gives these texts, and gettext finds them in our catalogue.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

DRF_MESSAGES = (
    gettext_noop("Not a valid string."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Invalid input."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
)
