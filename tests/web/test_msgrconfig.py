"""Messenger Config: the SOAP answer to 6.x's POST and the bare document for GET."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from msnp.web.msgrconfig import MsgrConfigUrls, msgr_config_document, soap_envelope

from .conftest import PassportRig
from .rawhttp import exchange, tls10

SOAP_NS = "{http://schemas.xmlsoap.org/soap/envelope/}"
CLIENT_NS = "{http://www.msn.com/webservices/Messenger/Client}"
WEB = "http://web.example.test:8080"

SOAP_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>\r\n'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    b'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
    b'<GetClientConfig xmlns="http://www.msn.com/webservices/Messenger/Client">'
    b"<clientinfo><Country>US</Country><CLCID>0409</CLCID><PLCID>0409</PLCID>"
    b"<GeoID>244</GeoID></clientinfo></GetClientConfig></soap:Body></soap:Envelope>"
)


def soap_request(content_type: bytes | None = b"text/xml; charset=utf-8") -> bytes:
    head = (
        b"POST /Config/MsgrConfig.asmx HTTP/1.1\r\n"
        b'SOAPAction: "http://www.msn.com/webservices/Messenger/Client/GetClientConfig"\r\n'
    )
    if content_type is not None:
        head += b"Content-Type: " + content_type + b"\r\n"
    head += b"Host: config.messenger.msn.com\r\nContent-Length: %d\r\n\r\n" % len(SOAP_BODY)
    return head + SOAP_BODY


def check_document(root: ET.Element) -> None:
    assert root.tag == "MsgrConfig"
    assert root.findtext("Simple/Config/ExpiresInDays") == "0"
    assert root.find("Simple/TrustedDomains/domain").get("name") == "web.example.test"  # type: ignore[union-attr]
    assert root.find("Simple/ErrorResponseTable/Feature") is not None
    tab = root.find("TabConfig/msntabdata/tab")
    assert tab is not None
    for element in ("contenturl", "hiturl", "image"):
        assert (tab.findtext(element) or "").startswith(WEB + "/")
    localized = root.find("LocalizedConfig")
    assert localized is not None and localized.get("Market") == "en-US"
    assert localized.findtext("MsnTodayConfig/MsnTodayURL") == f"{WEB}/today"
    assert localized.findtext("AdMainConfig/TextAdServer") == f"{WEB}/ads/text"
    assert localized.findtext("MSNSearch/SearchURL") == f"{WEB}/search?q=$QUERY$"
    assert localized.findtext("TermsOfUse/TermsOfUseURL") == f"{WEB}/terms"
    assert localized.findtext("RL/ViewProfileURL") == f"{WEB}/profile/"
    urls = [e.text for e in root.iter() if e.text and "://" in e.text]
    assert urls and all(u.startswith(WEB + "/") for u in urls)


async def test_soap_post_gets_envelope_with_cdata_document(passport_rig: PassportRig) -> None:
    response = await exchange(passport_rig.http_port, soap_request())
    assert response.status_line == "HTTP/1.1 200 OK"
    assert response.header("Content-Type") == "text/xml; charset=utf-8"
    assert b"<GetClientConfigResult><![CDATA[<MsgrConfig>" in response.body
    envelope = ET.fromstring(response.body)
    result = envelope.find(
        f"{SOAP_NS}Body/{CLIENT_NS}GetClientConfigResponse/{CLIENT_NS}GetClientConfigResult"
    )
    assert result is not None and result.text is not None
    check_document(ET.fromstring(result.text))


async def test_soap_post_without_content_type_and_over_https(passport_rig: PassportRig) -> None:
    response = await exchange(passport_rig.https_port, soap_request(None), tls10())
    assert response.status == 200
    assert b"<![CDATA[<MsgrConfig>" in response.body


async def test_get_with_op_gets_bare_document(passport_rig: PassportRig) -> None:
    request = (
        b"GET /Config/MsgrConfig.asmx?op=GetClientConfig&Country=US&CLCID=0409&PLCID=0409"
        b"&GeoID=244&ver=8.5.1302 HTTP/1.1\r\nHost: config.messenger.msn.com\r\n\r\n"
    )
    response = await exchange(passport_rig.http_port, request)
    assert response.status_line == "HTTP/1.1 200 OK"
    assert response.body.startswith(b"<MsgrConfig>")
    check_document(ET.fromstring(response.body))


async def test_path_case_does_not_matter(passport_rig: PassportRig) -> None:
    response = await exchange(
        passport_rig.http_port, b"GET /config/msgrconfig.asmx HTTP/1.1\r\n\r\n"
    )
    assert response.body.startswith(b"<MsgrConfig>")


def test_urls_are_escaped_and_cdata_cannot_be_broken() -> None:
    urls = MsgrConfigUrls.for_base("http://h.example/a&b]]>")
    document = msgr_config_document(urls)
    root = ET.fromstring(document)
    assert root.findtext("LocalizedConfig/MsnTodayConfig/MsnTodayURL") == (
        "http://h.example/a&b]]>/today"
    )
    envelope = ET.fromstring(soap_envelope(document))
    result = envelope.find(
        f"{SOAP_NS}Body/{CLIENT_NS}GetClientConfigResponse/{CLIENT_NS}GetClientConfigResult"
    )
    assert result is not None and result.text == document


def test_cdata_terminator_inside_document_is_split() -> None:
    tricky = "<MsgrConfig><x>a]]>b</x></MsgrConfig>"
    envelope = ET.fromstring(soap_envelope(tricky))
    result = envelope.find(
        f"{SOAP_NS}Body/{CLIENT_NS}GetClientConfigResponse/{CLIENT_NS}GetClientConfigResult"
    )
    assert result is not None and result.text == tricky
