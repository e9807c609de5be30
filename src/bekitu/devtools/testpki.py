"""A test PKI in the Kazakh NCA profile, made offline, so that EDS runs with no outside network.

`build_test_pki(outdir, persons=..., providers=...)` writes a root and an intermediate CA, their
CRLs, an OCSP responder certificate, signing and authentication keys (PKCS#12) for persons,
organization keys for providers, the negative cases (revoked, expired, not yet valid,
authentication-only, an impostor from a foreign CA, an organization key where an individual's
is needed) and a manifest.json. `TestPki.load(outdir)` reads it back. Not for production.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from bekitu.devtools import testpki_certs as x509util
from bekitu.devtools.testpki_certs import (
    OID_INDIVIDUAL,
    OID_ORG_HEAD,
    OID_ORG_SIGNER,
    OID_ORGANIZATION,
    Issued,
    KeySource,
    cached_keys,
    fresh_key,
    shared_keys,
)

PASSWORD = "Qwerty12"  # noqa: S105 - the one published password of every test key
NEGATIVE_CASES = (
    "revoked",
    "expired",
    "not_yet_valid",
    "auth_only",
    "impostor",
    "org_as_individual",
)
CRL_DAYS = 7  # nextUpdate: a few days ahead, like the NCA's delta CRLs


@dataclass(frozen=True)
class PersonSpec:
    """An individual key holder: IIN and names as the certificate shows them."""

    iin: str
    surname: str
    given_name: str


@dataclass(frozen=True)
class ProviderSpec:
    """An organization key holder: BIN, name, and the IIN of the head who signs for it."""

    bin: str
    name: str
    head_iin: str


@dataclass(frozen=True)
class TestPki:
    """Paths of a generated test PKI (all under `outdir`)."""

    __test__ = False  # not a pytest test class

    outdir: Path
    password: str
    persons: tuple[PersonSpec, ...]
    providers: tuple[ProviderSpec, ...]
    ocsp_url: str | None = None
    crl_url: str | None = None
    serials: dict[str, str] = field(default_factory=dict)  # hex serial -> relative path

    @property
    def person(self) -> PersonSpec:
        """The first person: the one the negative cases impersonate."""
        return self.persons[0]

    @property
    def provider(self) -> ProviderSpec:
        """The first provider."""
        return self.providers[0]

    @property
    def trust_dir(self) -> Path:
        return self.outdir / "trust"

    @property
    def crl_dir(self) -> Path:
        return self.outdir / "crl"

    @property
    def providers_dir(self) -> Path:
        return self.outdir / "providers"

    @property
    def root_cert(self) -> Path:
        return self.trust_dir / "root.pem"

    @property
    def intermediate_cert(self) -> Path:
        return self.trust_dir / "intermediate.pem"

    @property
    def root_key(self) -> Path:
        return self.outdir / "ca" / "root.key"

    @property
    def intermediate_key(self) -> Path:
        return self.outdir / "ca" / "intermediate.key"

    @property
    def root_crl(self) -> Path:
        return self.crl_dir / "root.crl"

    @property
    def intermediate_crl(self) -> Path:
        return self.crl_dir / "intermediate.crl"

    @property
    def ocsp_cert(self) -> Path:
        return self.outdir / "ocsp" / "responder.pem"

    @property
    def ocsp_key(self) -> Path:
        return self.outdir / "ocsp" / "responder.key"

    @property
    def foreign_root_cert(self) -> Path:
        """The impostor's root: deliberately NOT in trust/."""
        return self.outdir / "negative" / "foreign_root.pem"

    @property
    def manifest(self) -> Path:
        return self.outdir / "manifest.json"

    def person_sign_p12(self, iin: str) -> Path:
        """The person's signing key (digitalSignature + nonRepudiation)."""
        return self.outdir / "persons" / iin / "sign.p12"

    def person_auth_p12(self, iin: str) -> Path:
        """The person's authentication key (digitalSignature + keyEncipherment, clientAuth)."""
        return self.outdir / "persons" / iin / "auth.p12"

    def provider_p12(self, bin_: str) -> Path:
        """The provider's organization signing key; its password is in `<BIN>.pass` beside."""
        return self.providers_dir / f"{bin_}.p12"

    def negative(self, name: str) -> Path:
        """The PKCS#12 of a negative case, one of NEGATIVE_CASES."""
        if name not in NEGATIVE_CASES:
            raise KeyError(name)
        return self.outdir / "negative" / f"{name}.p12"

    @classmethod
    def load(cls, outdir: Path) -> TestPki:
        """Read a test PKI back from its manifest.json."""
        data = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        return cls(
            outdir=outdir,
            password=data["password"],
            persons=tuple(PersonSpec(**p) for p in data["persons"]),
            providers=tuple(ProviderSpec(**p) for p in data["providers"]),
            ocsp_url=data["ocsp_url"],
            crl_url=data["crl_url"],
            serials=data["issued_by_intermediate"],
        )


def build_test_pki(
    outdir: Path,
    *,
    persons: Sequence[PersonSpec],
    providers: Sequence[ProviderSpec],
    ocsp_url: str | None = None,
    crl_url: str | None = None,
    now: dt.datetime | None = None,
    key_source: KeySource | None = None,
) -> TestPki:
    """Generate the whole test PKI under `outdir` and return its paths.

    `crl_url` is the base address where `intermediate.crl` and `root.crl` are served (it goes
    into the CRL distribution points); `ocsp_url` goes into the leaves' AIA. `key_source`
    maps a slot name to a private key; tests pass a cached one to save time.
    """
    if not persons:
        raise ValueError("a test PKI needs at least one person")
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    keys = key_source or fresh_key
    pki = TestPki(outdir, PASSWORD, tuple(persons), tuple(providers), ocsp_url, crl_url)
    builder = _Builder(pki, now, keys)
    builder.build()
    return TestPki(outdir, PASSWORD, pki.persons, pki.providers, ocsp_url, crl_url, builder.serials)


class _Builder:
    def __init__(self, pki: TestPki, now: dt.datetime, keys: KeySource) -> None:
        self.pki, self.now, self.keys = pki, now, keys
        self.serials: dict[str, str] = {}
        self.revoked: list[x509.Certificate] = []

    def build(self) -> None:
        pki = self.pki
        root = x509util.make_ca(
            self.keys("root"), _ca_name("ROOT"), None, self.now, years=10, path_length=1
        )
        inter = x509util.make_ca(
            self.keys("intermediate"),
            _ca_name("INTERMEDIATE"),
            root,
            self.now,
            years=5,
            path_length=0,
            crl_url=_join(pki.crl_url, "root.crl"),
        )
        self.root, self.inter = root, inter
        _write_pem(pki.root_cert, root.cert)
        _write_pem(pki.intermediate_cert, inter.cert)
        _write_key(pki.root_key, root.key)
        _write_key(pki.intermediate_key, inter.key)
        self._ocsp_responder()
        for person in pki.persons:
            self._person(person)
        for provider in pki.providers:
            self._provider(provider)
        self._negatives()
        self._crls()
        self._manifest()

    def _leaf(self, slot: str, subject: x509.Name, profile: x509util.LeafProfile) -> Issued:
        issued = x509util.issue_leaf(
            self.keys(slot),
            subject,
            self.inter,
            profile,
            crl_url=_join(self.pki.crl_url, "intermediate.crl"),
            ocsp_url=self.pki.ocsp_url,
        )
        return issued

    def _save_p12(
        self, path: Path, issued: Issued, chain: Sequence[x509.Certificate], *, ours: bool = True
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = pkcs12.serialize_key_and_certificates(
            name=None,
            key=issued.key,
            cert=issued.cert,
            cas=list(chain),
            encryption_algorithm=serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
        _write_private(path, blob)
        if ours:
            rel = path.relative_to(self.pki.outdir).as_posix()
            self.serials[format(issued.cert.serial_number, "x")] = rel

    def _chain(self) -> list[x509.Certificate]:
        return [self.inter.cert, self.root.cert]

    def _ocsp_responder(self) -> None:
        issued = x509util.issue_leaf(
            self.keys("ocsp"),
            _ca_name("OCSP"),
            self.inter,
            x509util.ocsp_profile(self.now),
        )
        _write_pem(self.pki.ocsp_cert, issued.cert)
        _write_key(self.pki.ocsp_key, issued.key)
        self.serials[format(issued.cert.serial_number, "x")] = "ocsp/responder.pem"

    def _person(self, person: PersonSpec) -> None:
        name = person_name(person)
        sign = self._leaf(f"sign:{person.iin}", name, x509util.signing_profile(self.now))
        self._save_p12(self.pki.person_sign_p12(person.iin), sign, self._chain())
        auth = self._leaf(f"auth:{person.iin}", name, x509util.auth_profile(self.now))
        self._save_p12(self.pki.person_auth_p12(person.iin), auth, self._chain())

    def _provider(self, provider: ProviderSpec) -> None:
        issued = self._leaf(
            f"org:{provider.bin}", organization_name(provider), x509util.org_profile(self.now)
        )
        self._save_p12(self.pki.provider_p12(provider.bin), issued, self._chain())
        pass_file = self.pki.providers_dir / f"{provider.bin}.pass"
        _write_private(pass_file, PASSWORD.encode())

    def _negatives(self) -> None:
        person, now, day = self.pki.persons[0], self.now, dt.timedelta(days=1)
        name = person_name(person)
        cases: dict[str, tuple[x509.Name, x509util.LeafProfile]] = {
            "revoked": (name, x509util.signing_profile(now - 30 * day)),
            "expired": (name, x509util.signing_profile(now - 400 * day, days=370)),
            "not_yet_valid": (name, x509util.signing_profile(now + 30 * day)),
            "auth_only": (name, x509util.auth_profile(now)),
            "org_as_individual": (
                organization_name(self._org_for(person)),
                x509util.org_profile(now),
            ),
        }
        for case, (subject, profile) in cases.items():
            issued = self._leaf(f"negative:{case}", subject, profile)
            self._save_p12(self.pki.negative(case), issued, self._chain())
            if case == "revoked":
                self.revoked.append(issued.cert)
        self._impostor(name)

    def _org_for(self, person: PersonSpec) -> ProviderSpec:
        if self.pki.providers:
            return ProviderSpec(self.pki.providers[0].bin, self.pki.providers[0].name, person.iin)
        return ProviderSpec("000140000003", "TEST ORGANIZATION", person.iin)

    def _impostor(self, name: x509.Name) -> None:
        # The foreign CA even takes our intermediate's name: only the signature tells them apart.
        foreign_root = x509util.make_ca(
            self.keys("foreign_root"), self.inter.cert.subject, None, self.now, years=10
        )
        issued = x509util.issue_leaf(
            self.keys("negative:impostor"),
            name,
            foreign_root,
            x509util.signing_profile(self.now),
        )
        _write_pem(self.pki.foreign_root_cert, foreign_root.cert)
        self._save_p12(self.pki.negative("impostor"), issued, [foreign_root.cert], ours=False)

    def _crls(self) -> None:
        at = self.now - dt.timedelta(days=1)
        for path, ca, revoked in (
            (self.pki.intermediate_crl, self.inter, self.revoked),
            (self.pki.root_crl, self.root, []),
        ):
            crl = x509util.make_crl(ca, revoked, this_update=self.now, days=CRL_DAYS, at=at)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(crl.public_bytes(serialization.Encoding.DER))

    def _manifest(self) -> None:
        pki, rel = self.pki, _relative(self.pki.outdir)
        data = {
            "password": pki.password,
            "generated_at": self.now.isoformat(),
            "ocsp_url": pki.ocsp_url,
            "crl_url": pki.crl_url,
            "trust": [rel(pki.root_cert), rel(pki.intermediate_cert)],
            "ca_keys": [rel(pki.root_key), rel(pki.intermediate_key)],
            "crl": [rel(pki.intermediate_crl), rel(pki.root_crl)],
            "ocsp": {"cert": rel(pki.ocsp_cert), "key": rel(pki.ocsp_key)},
            "persons": [
                {"iin": p.iin, "surname": p.surname, "given_name": p.given_name}
                for p in pki.persons
            ],
            "person_keys": {
                p.iin: {
                    "sign": rel(pki.person_sign_p12(p.iin)),
                    "auth": rel(pki.person_auth_p12(p.iin)),
                }
                for p in pki.persons
            },
            "providers": [
                {"bin": p.bin, "name": p.name, "head_iin": p.head_iin} for p in pki.providers
            ],
            "provider_keys": {p.bin: rel(pki.provider_p12(p.bin)) for p in pki.providers},
            "negative": {case: rel(pki.negative(case)) for case in NEGATIVE_CASES},
            "foreign_root": rel(pki.foreign_root_cert),
            "issued_by_intermediate": self.serials,
            "revoked": [format(c.serial_number, "x") for c in self.revoked],
        }
        pki.manifest.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def person_name(person: PersonSpec) -> x509.Name:
    """An individual's subject as the NCA writes it."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{person.surname} {person.given_name}"),
            x509.NameAttribute(NameOID.SURNAME, person.surname),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{person.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.GIVEN_NAME, person.given_name),
        ]
    )


def organization_name(provider: ProviderSpec) -> x509.Name:
    """An organization's subject: the signing employee (here the head) and O, OU=BIN."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"HEAD OF {provider.bin}"),
            x509.NameAttribute(NameOID.SURNAME, "HEAD"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{provider.head_iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, provider.name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{provider.bin}"),
        ]
    )


def _ca_name(role: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"BEKITU TEST NCA {role} (RSA)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _join(base: str | None, name: str) -> str | None:
    return None if base is None else base.rstrip("/") + "/" + name


def _relative(outdir: Path) -> Callable[[Path], str]:
    return lambda path: path.relative_to(outdir).as_posix()


def _write_pem(path: Path, cert: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    blob = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(path, blob)


def _write_private(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # The mode given to open() applies only to a new file: a key rewritten over an older,
    # more open file is narrowed before anything secret goes into it.
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(blob)


__all__ = [
    "NEGATIVE_CASES",
    "OID_INDIVIDUAL",
    "OID_ORGANIZATION",
    "OID_ORG_HEAD",
    "OID_ORG_SIGNER",
    "PASSWORD",
    "PersonSpec",
    "ProviderSpec",
    "TestPki",
    "build_test_pki",
    "cached_keys",
    "shared_keys",
]
