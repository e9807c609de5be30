"""An application made in the caller's transaction has no document but those added through
`document_add_locked` in it: the steps of that transaction (adding the e-copies, building the
case) do not read its documents back; in a later transaction they are read again."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bekitu.service import services
from bekitu.service.facts import case_build, documents_known
from bekitu.service.models import Application, ApplicationDocument
from bekitu.service.services.decision import document_add_locked
from tests.factories import LocalityFactory, PersonFactory, ProviderFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _reads_documents(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"service_applicationdocument"' in q["sql"]
    ]


def _made() -> Application:
    return services.application_create(
        channel="portal",
        recipient=PersonFactory(),
        provider=ProviderFactory(locality=LocalityFactory()),
        reason="change_of_residence",
        submitted_at=timezone.now(),
    )


def test_in_the_transaction_that_made_it_the_documents_are_not_read_back() -> None:
    with transaction.atomic():
        application = _made()
        with CaptureQueriesContext(connection) as queries:
            document_add_locked(application, kind="identity_document", file=ContentFile(PDF))
            document_add_locked(application, kind="temporary_registration", presented=False)
            facts = case_build(application)
        assert _reads_documents(queries) == []
        assert facts.case.presented_documents == frozenset({"identity_document"})
        assert facts.case.residence_evidence is True
    assert documents_known(application) is None, "its transaction has ended"


def test_in_a_later_transaction_they_are_read_and_agree() -> None:
    with transaction.atomic():
        application = _made()
        document_add_locked(application, kind="identity_document", file=ContentFile(PDF))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        facts = case_build(application)
    assert len(_reads_documents(queries)) == 2  # the presented ones, the temporary registration
    assert facts.case.presented_documents == frozenset({"identity_document"})
    assert facts.case.residence_evidence is False
    with CaptureQueriesContext(connection) as queries:
        services.application_document_add(
            application=application, kind="identity_document", presented=True
        )
    assert len(_reads_documents(queries)) == 1
    assert application.documents.count() == 1, "the same kind's row is updated, not doubled"


def test_a_rolled_back_document_is_forgotten_with_its_savepoint() -> None:
    with transaction.atomic():
        application = _made()
        try:
            with transaction.atomic():
                document_add_locked(application, kind="identity_document", presented=True)
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        assert case_build(application).case.presented_documents == frozenset()


def test_a_change_that_fails_halfway_leaves_the_documents_to_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unavailable(self: ApplicationDocument, *args: object, **kwargs: object) -> None:
        raise RuntimeError("the storage is down")

    with transaction.atomic():
        application = _made()
        document_add_locked(application, kind="identity_document", presented=True)
        with monkeypatch.context() as patched:
            patched.setattr(ApplicationDocument, "save", unavailable)
            with pytest.raises(RuntimeError):
                document_add_locked(application, kind="identity_document", presented=False)
        assert documents_known(application) is None, "changed in memory, never stored"
        assert case_build(application).case.presented_documents == frozenset({"identity_document"})
