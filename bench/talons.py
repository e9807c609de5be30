"""The cost of one talon, step by step, and of one public check, on SQLite.

R5.2 allows 30 minutes for action 2 (issuing the talon). Each line prints milliseconds per
talon for one step: `talon_issue` inside the decision's transaction (number, XML built,
checked against the schema and signed, row and audit written), then what the background
worker does after the commit, `talon_pdf_make` (PDF rendered, the signed XML attached, PDF
signed, stored). The same run measures one bare RSA-2048 PKCS#1 v1.5 signature with the
provider's key, so the PDF's cost reads as a multiple of it whatever the machine's load,
and prints the sizes, the ratio of R5.2's 30 minutes to the whole, and the public check
`talon_verify` (signature, path and CRL).

    .venv/bin/python bench/talons.py            # 30 talons
    .venv/bin/python bench/talons.py --n 100
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _signing import signing_world

ROOT = Path(__file__).resolve().parent.parent
R52_SECONDS = 30 * 60


def _ms(run: Callable[[Any], object], items: list[Any]) -> tuple[float, float]:
    """Median and max milliseconds of CPU time this process spent per item: unlike the
    wall clock, it does not count the time other processes of a busy machine held the CPU."""
    times = []
    for item in items:
        start = time.process_time()
        run(item)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="talons to issue")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory(prefix="bench-talons-") as tmp:
        bin_ = signing_world(Path(tmp))[0]
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from tests.factories import AttachmentFactory, DistrictFactory, ProviderFactory

        from bekitu.eds.signing import (
            PdfAttachment,
            default_key_store,
            sign_pdf_as_provider,
            sign_xml_as_provider,
        )
        from bekitu.talons.pdf import render_talon_pdf
        from bekitu.talons.selectors import talon_pdf, talon_verify
        from bekitu.talons.services import talon_content, talon_issue, talon_pdf_make
        from bekitu.talons.xml import build_talon_xml, validate_talon_xml

        provider = ProviderFactory(bin=bin_)
        district = DistrictFactory(provider=provider)
        attachments = [AttachmentFactory(provider=provider, district=district) for _ in range(n)]
        issue = _ms(
            lambda a: talon_issue(attachment=a, application_number="B-1", channel="desk"),
            attachments,
        )
        talons = [a.talon for a in attachments]
        pdf_made = _ms(lambda t: talon_pdf_make(talon_id=t.pk), talons)
        contents = [talon_content(t) for t in talons]
        xmls = [build_talon_xml(c) for c in contents]
        pdfs = [render_talon_pdf(c) for c in contents]
        key = default_key_store().load(bin_).private_key
        rsa = _ms(lambda d: key.sign(d, padding.PKCS1v15(), hashes.SHA256()), xmls * 3)

        def sign_pdf(pdf: bytes) -> bytes:
            xml = PdfAttachment("talon.xml", xmls[0], "application/xml", "talon")
            return sign_pdf_as_provider(provider_bin=bin_, pdf=pdf, attachments=(xml,))

        rows = [
            ("XML built", _ms(build_talon_xml, contents)),
            ("XML checked against the XSD", _ms(validate_talon_xml, xmls)),
            ("XML signed", _ms(lambda x: sign_xml_as_provider(provider_bin=bin_, xml=x), xmls)),
            ("talon_issue, in the transaction", issue),
            ("PDF rendered", _ms(render_talon_pdf, contents)),
            ("PDF signed, XML attached", _ms(sign_pdf, pdfs)),
            ("talon_pdf_make, after commit", pdf_made),
            ("one bare RSA-2048 signature", rsa),
            ("talon_verify (public check)", _ms(lambda t: talon_verify(code=t.code), talons)),
        ]
        print(f"talons: {n} on SQLite; CPU milliseconds per talon, median and max")
        for name, (median, worst) in rows:
            print(f"  {name:<34} {median:8.2f} {worst:8.2f}")
        sizes = [len(talon_pdf(t) or b"") for t in talons]
        print(f"  signed PDF size (XML inside)       {statistics.median(sizes) / 1024:8.1f} KiB")
        print(f"  signed XML size                    {len(bytes(talons[0].xml)) / 1024:8.1f} KiB")
        render_sign = rows[4][1][0] + rows[5][1][0]
        for name, cost in (("PDF render + sign", render_sign), ("talon_pdf_make", pdf_made[0])):
            print(
                f"{name}: {cost:.1f} ms = {cost / rsa[0]:.0f} bare RSA-2048 signatures "
                f"({rsa[0]:.2f} ms each, same run)"
            )
        whole = issue[0] + pdf_made[0]
        print(f"talons per second, one specialist: {1000 / whole:.1f}")
        print(f"R5.2 ratio (30 min / issue and PDF): {R52_SECONDS * 1000 / whole:,.0f}x")


if __name__ == "__main__":
    main()
