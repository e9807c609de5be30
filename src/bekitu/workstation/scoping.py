"""What a staff member may see: one module, used by the pages and the API alike.

Everything outside a staff member's scope is answered as if it did not exist (404), so that
neither pages nor API reveal another provider's applications or persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bekitu.registry.models import Attachment, Person, Provider
from bekitu.registry.selectors import today
from bekitu.service.models import Application
from bekitu.workstation.models import StaffProfile

Role = StaffProfile.Role


@dataclass(frozen=True)
class StaffScope:
    """A logged-in staff member and the providers they may see."""

    user_id: int
    username: str
    role: str
    provider: Provider
    kato_prefix: str

    @property
    def can_act(self) -> bool:
        """Only the statistics-office specialist accepts documents and issues talons (R7)."""
        return self.role == Role.STATISTICS_SPECIALIST

    @property
    def is_regional(self) -> bool:
        return self.role == Role.REGIONAL_ADMIN

    @property
    def actor(self) -> str:
        """How audit rows name this staff member."""
        return f"staff:{self.username}"

    def providers(self) -> QuerySet[Provider]:
        """The providers whose applications and attached population this member sees."""
        if self.is_regional:
            return Provider.objects.filter(atu_code__startswith=self.kato_prefix)
        return Provider.objects.filter(pk=self.provider.pk)

    def covers(self, provider_id: int | None) -> bool:
        """True when the provider is one this member sees."""
        if provider_id is None:
            return False
        if not self.is_regional:
            return provider_id == self.provider.pk
        return self.providers().filter(pk=provider_id).exists()


def scope_for(user: Any) -> StaffScope | None:
    """The scope of a user, or None when the user is not provider staff."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = StaffProfile.objects.select_related("provider").filter(user_id=user.pk).first()
    if profile is None:
        return None
    prefix = profile.kato_prefix or profile.provider.atu_code[:2]
    return StaffScope(
        user_id=user.pk,
        username=user.get_username(),
        role=profile.role,
        provider=profile.provider,
        kato_prefix=prefix if profile.role == Role.REGIONAL_ADMIN else "",
    )


def applications_in_scope(scope: StaffScope) -> QuerySet[Application]:
    """Every application (any state) made to a provider in scope."""
    return Application.objects.filter(provider__in=scope.providers())


def applications_of_person(scope: StaffScope, person: Person) -> QuerySet[Application]:
    """The person's applications to providers in scope, newest first."""
    return applications_in_scope(scope).filter(recipient=person).order_by("-submitted_at")


def persons_in_scope(scope: StaffScope) -> QuerySet[Person]:
    """Persons with an open attachment to a provider in scope, or who applied to one."""
    attached = Attachment.objects.filter(valid_to__isnull=True, provider__in=scope.providers())
    applied = applications_in_scope(scope).values("recipient_id")
    return Person.objects.filter(Q(pk__in=attached.values("person_id")) | Q(pk__in=applied))


def person_in_scope(scope: StaffScope, *, pk: int | None = None, iin: str | None = None) -> Person:
    """The person, if in scope; otherwise 404, whether or not the person exists."""
    lookup: dict[str, object] = {"pk": pk} if pk is not None else {"iin": iin}
    person = persons_in_scope(scope).filter(**lookup).first()
    if person is None:
        raise Http404("person")
    return person


def population_in_scope(scope: StaffScope, query: str = "") -> QuerySet[Attachment]:
    """Attachments in force today at providers in scope, narrowed by IIN or surname."""
    day = today()
    in_force = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    qs = Attachment.objects.filter(in_force, provider__in=scope.providers())
    query = query.strip()
    if query.isdigit():
        qs = qs.filter(person__iin__startswith=query)
    elif query:
        words = query.split()
        qs = qs.filter(_starts("person__surname", words[0]))
        if len(words) > 1:
            qs = qs.filter(_starts("person__given_name", words[1]))
    return qs.select_related("person", "district", "provider").order_by(
        "person__surname", "person__given_name", "person__iin"
    )


def _starts(field: str, word: str) -> Q:
    # SQLite folds case for ASCII only: also match the capitalised Cyrillic spelling.
    return Q(**{f"{field}__istartswith": word}) | Q(**{f"{field}__startswith": word.capitalize()})
