"""A throwaway SQLite database and test PKI for the benchmarks that sign as providers.

Used by `bench/talons.py` and `bench/reattachment.py` (run as scripts, so this folder is on
the import path): Django set up on a database in `folder`, migrated, and a test PKI whose
providers have signing keys, with the settings pointed at it (no OCSP).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def signing_world(folder: Path, *, providers: int = 1) -> list[str]:
    """Set Django up in `folder` with `providers` providers that can sign; their BINs."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.update(
        BEKITU_VAR_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        BEKITU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="bekitu.settings",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bekitu.core.iin import make_bin, make_iin
    from bekitu.devtools.testpki import PersonSpec, ProviderSpec, build_test_pki, cached_keys

    call_command("migrate", verbosity=0)
    head = next(i for s in range(1, 50) if (i := make_iin(dt.date(1980, 1, 2), "male", s)))
    bins = [b for s in range(1, 60) if (b := make_bin(dt.date(2005, 1, 1), 4, s))][:providers]
    pki = build_test_pki(
        folder / "pki",
        persons=[PersonSpec(head, "БЕНЧ", "АДАМ")],
        providers=[ProviderSpec(b, f"ГКП «БЕНЧ ЕМХАНА {i + 1}»", head) for i, b in enumerate(bins)],
        key_source=cached_keys(),
    )
    settings.EDS_TRUST_DIR, settings.EDS_CRL_DIR = pki.trust_dir, pki.crl_dir
    settings.EDS_PROVIDER_KEYS_DIR, settings.EDS_OCSP_URL = pki.providers_dir, ""
    return bins
