"""NCALayer for development: the protocol over a real websocket, and what it signs verifies."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from bekitu.devtools.ncalayer_dev import (
    MODULE,
    VERSION,
    RunningNcaLayer,
    handle_message,
    is_loopback,
    make_server,
    run_in_thread,
)
from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.signing import load_p12
from bekitu.eds.verification import verify_request


def _sign_request(xml: str, *, tbs: str = "", parent: str = "") -> str:
    args = ["PKCS12", "SIGNATURE", xml, tbs, parent]
    return json.dumps({"module": MODULE, "method": "signXml", "args": args})


@pytest.fixture(scope="module")
def ncalayer(test_pki: TestPki) -> Iterator[RunningNcaLayer]:
    with run_in_thread(
        p12_path=test_pki.person_sign_p12(test_pki.person.iin), password=PASSWORD
    ) as running:
        yield running


def _exchange(url: str, *messages: str, **kwargs: Any) -> tuple[dict[str, Any], list[Any]]:
    # The opening handshake (TLS included) may wait for a core on a machine busy with the
    # rest of the suite: allow it longer than the library's 10 seconds.
    with connect(url, open_timeout=60, **kwargs) as socket:
        hello = json.loads(socket.recv(timeout=10))
        answers = []
        for message in messages:
            socket.send(message)
            answers.append(json.loads(socket.recv(timeout=30)))
    return hello, answers


@pytest.mark.django_db
def test_sign_xml_over_the_websocket_gives_a_request_that_verifies(
    ncalayer: RunningNcaLayer, test_pki: TestPki, eds_settings: Any
) -> None:
    iin = test_pki.person.iin
    xml = f"<attachmentRequest><recipient><iin>{iin}</iin></recipient></attachmentRequest>"
    hello, (answer,) = _exchange(ncalayer.url, _sign_request(xml))
    assert hello == {"result": {"version": VERSION}}
    assert answer["code"] == "200"
    result = verify_request(answer["responseObject"].encode(), expect_iin=iin)
    assert result.valid, result.detail
    assert result.signer is not None and result.signer.iin == iin


def test_several_requests_on_one_connection_are_answered_in_order(
    ncalayer: RunningNcaLayer,
) -> None:
    info = json.dumps({"module": MODULE, "method": "getKeyInfo", "args": ["PKCS12"]})
    _, answers = _exchange(ncalayer.url, info, _sign_request("<a/>"), "not json")
    assert answers[0]["code"] == "200" and answers[0]["responseObject"]["algorithm"] == "RSA"
    assert "-----BEGIN CERTIFICATE-----" in answers[0]["responseObject"]["pem"]
    assert answers[1]["code"] == "200" and "<ds:Signature" in answers[1]["responseObject"]
    assert answers[2] == {"code": "500", "message": "the request is not JSON"}


def test_errors_come_back_as_code_500_with_a_message(test_pki: TestPki) -> None:
    key = load_p12(test_pki.person_sign_p12(test_pki.person.iin), PASSWORD)
    cases = {
        json.dumps({"module": "kz.other", "method": "signXml"}): "unknown module",
        json.dumps({"module": MODULE, "method": "createCMSSignatureFromBase64"}): "not served",
        json.dumps({"module": MODULE, "method": "signXml", "args": ["PKCS12"]}): "expects",
        _sign_request("<a/>", tbs="//a"): "whole document",
        _sign_request("<a>"): "not well-formed",
        json.dumps({"module": MODULE, "method": "signXml", "args": "x"}): "must be a list",
    }
    for message, expected in cases.items():
        answer = handle_message(key, message)
        assert answer is not None and answer["code"] == "500"
        assert expected in answer["message"]
    assert handle_message(key, "--heartbeat--") is None


def test_tls_mode_speaks_wss_with_a_self_signed_certificate(test_pki: TestPki) -> None:
    with run_in_thread(
        p12_path=test_pki.person_sign_p12(test_pki.person.iin), password=PASSWORD, use_tls=True
    ) as running:
        assert running.url.startswith("wss://127.0.0.1:")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        hello, (answer,) = _exchange(running.url, _sign_request("<a/>"), ssl=context)
    assert hello["result"]["version"] == VERSION and answer["code"] == "200"


def test_a_plain_http_visit_gets_a_page_instead_of_an_upgrade_error(
    ncalayer: RunningNcaLayer,
) -> None:
    import requests

    page = requests.get(ncalayer.url.replace("ws://", "http://") + "/", timeout=10)
    assert page.status_code == 200 and "NCALayer" in page.text


def test_only_loopback_addresses_are_served(test_pki: TestPki) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    everywhere = "0.0.0.0"  # noqa: S104 - the address that must be refused
    assert not is_loopback(everywhere) and not is_loopback("192.168.1.5")
    key = load_p12(test_pki.person_sign_p12(test_pki.person.iin), PASSWORD)
    with pytest.raises(ValueError, match="loopback"):
        make_server(key, host=everywhere, port=0)


_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="bekitu-ncalayer-url" content="%s"><title>sign</title></head>
<body><pre id="out"></pre></body></html>"""

_SIGN_ALL = """async ([xml, closedUrl]) => {
  const outcome = {};
  outcome.signed = await BekituNCALayer.signXml(xml);
  const client = new BekituNCALayer.Client();
  outcome.version = await client.connect();
  try { await client.signXml(xml, { tbsElementXPath: "//iin" }); }
  catch (e) {
    outcome.refused = [e.name, e.code, e.detail, e instanceof BekituNCALayer.NCALayerError];
  }
  client.close();
  try { await BekituNCALayer.signXml(xml, { url: closedUrl }); }
  catch (e) { outcome.unavailable = [e.code, e.message]; }
  return outcome;
}"""


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.e2e
@pytest.mark.django_db
def test_the_browser_client_signs_through_the_dev_server(
    ncalayer: RunningNcaLayer, test_pki: TestPki, eds_settings: Any
) -> None:
    from pathlib import Path

    from django.contrib.staticfiles import finders
    from playwright.sync_api import sync_playwright

    script = finders.find("eds/ncalayer.js")
    assert script is not None
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no chromium at /usr/bin/chromium")
    iin = test_pki.person.iin
    xml = f"<attachmentRequest><recipient><iin>{iin}</iin></recipient></attachmentRequest>"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=_CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_content(_PAGE % ncalayer.url)
        page.add_script_tag(path=str(script))
        outcome = page.evaluate(_SIGN_ALL, [xml, f"ws://127.0.0.1:{_closed_port()}"])
        browser.close()
    assert outcome["version"] == VERSION
    assert outcome["refused"][:2] == ["NCALayerError", "refused"] and outcome["refused"][3]
    assert "500" in outcome["refused"][2] and "whole document" in outcome["refused"][2]
    assert outcome["unavailable"][0] == "unavailable"
    assert "NCALayer is not running" in outcome["unavailable"][1]
    result = verify_request(outcome["signed"].encode(), expect_iin=iin)
    assert result.valid, result.detail


_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
