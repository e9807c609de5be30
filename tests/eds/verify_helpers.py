"""Helpers of the verification tests: a request document, signing it, reading it back."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.signing import sign_xml_with_p12

DS = "http://www.w3.org/2000/09/xmldsig#"


def request_xml(iin: str, *, provider_bin: str = "050140000110") -> bytes:
    """A citizen's attachment request as the portal builds it before signing."""
    return (
        "<attachmentRequest>"
        f"<recipient><iin>{iin}</iin><name>ТЕСТОВ АСАН</name></recipient>"
        f"<provider><bin>{provider_bin}</bin></provider>"
        "<reason>choice</reason>"
        "</attachmentRequest>"
    ).encode()


def talon_xml(provider_bin: str, iin: str) -> bytes:
    """A talon as the provider issues it before signing."""
    return (
        f"<talon><number>T-1</number><provider><bin>{provider_bin}</bin></provider>"
        f"<recipient><iin>{iin}</iin></recipient></talon>"
    ).encode()


def sign(p12: Path, xml: bytes) -> bytes:
    """Sign as NCALayer's signXml would, with a test key."""
    return sign_xml_with_p12(p12_path=p12, password=PASSWORD, xml=xml)


def signed_request(pki: TestPki, *, p12: Path | None = None, iin: str | None = None) -> bytes:
    """The first person's request, signed with their signing key unless `p12` says otherwise."""
    person = pki.person
    return sign(p12 or pki.person_sign_p12(person.iin), request_xml(iin or person.iin))


def recipient_iin(root: etree._Element) -> str:
    """The IIN the (signed) request names."""
    return "".join(root.find("recipient/iin").itertext())
