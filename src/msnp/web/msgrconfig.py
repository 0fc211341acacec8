"""Messenger Config (`/Config/MsgrConfig.asmx`): the document MSN Messenger 6.x fetches at start
for its tab strip, "MSN Today" window, ad banner and error actions.

6.x POSTs a SOAP GetClientConfig request and gets the `<MsgrConfig>` document as text inside a
CDATA section of a SOAP envelope; later clients GET `?op=GetClientConfig&...` and get the bare
document. Every URL in it points at this service's own pages (`config.web_base_url`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from msnp.config import Config
from msnp.web.messages import Request, Response
from msnp.web.router import Router

MSGRCONFIG_PATH = "/Config/MsgrConfig.asmx"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class MsgrConfigUrls:
    """The pages the document points at. `for_base` derives them all from one base URL."""

    tab_content: str
    tab_hit: str
    tab_image: str
    today: str
    text_ad: str
    search: str
    terms: str
    view_profile: str
    trusted_domain: str

    @classmethod
    def for_base(cls, base: str) -> MsgrConfigUrls:
        base = base.rstrip("/")
        return cls(
            tab_content=f"{base}/tab",
            tab_hit=f"{base}/tab",
            tab_image=f"{base}/static/tab.png",
            today=f"{base}/today",
            text_ad=f"{base}/ads/text",
            search=f"{base}/search?q=$QUERY$",
            terms=f"{base}/terms",
            view_profile=f"{base}/profile/",
            trusted_domain=urlsplit(base).hostname or "localhost",
        )


def msgr_config_document(urls: MsgrConfigUrls, market: str = "en-US") -> str:
    """The `<MsgrConfig>` document (reference §3)."""
    e = escape
    return (
        "<MsgrConfig>"
        "<Simple>"
        # 0 days: fetched afresh at every start, so changes reach clients at once.
        "<Config><ExpiresInDays>0</ExpiresInDays></Config>"
        "<DisablePhoneDialer>1</DisablePhoneDialer>"
        '<MinFlashPlayer BuildNumber="60" MajorVersion="7" MinorVersion="0"/>'
        "<Relay><Enabled>0</Enabled><MaxCallLength>0</MaxCallLength></Relay>"
        f"<TrustedDomains><domain name={quoteattr(urls.trusted_domain)}/></TrustedDomains>"
        "<ErrorResponseTable>"
        '<Feature type="0" name="Login"><Entry hr="0x80072EE7" action="3"/></Feature>'
        "</ErrorResponseTable>"
        "</Simple>"
        "<TabConfig>"
        "<msntabdata>"
        "<tab>"
        "<type>page</type>"
        f"<contenturl>{e(urls.tab_content)}</contenturl>"
        f"<hiturl>{e(urls.tab_hit)}</hiturl>"
        f"<image>{e(urls.tab_image)}</image>"
        "<name>Home</name>"
        "<tooltip>Home</tooltip>"
        "<siteid>0</siteid>"
        "<notificationid>0</notificationid>"
        "</tab>"
        "</msntabdata>"
        "<msntabsettings>"
        "<oemdisplaylimit>1</oemdisplaylimit>"
        "<oemtotallimit>1</oemtotallimit>"
        "</msntabsettings>"
        "</TabConfig>"
        f"<LocalizedConfig Market={quoteattr(market)}>"
        "<AdMainConfig>"
        "<TextAdRefresh>1</TextAdRefresh>"
        f"<TextAdServer>{e(urls.text_ad)}</TextAdServer>"
        "</AdMainConfig>"
        "<MsnTodayConfig>"
        "<MsnTodaySiteID>0</MsnTodaySiteID>"
        f"<MsnTodayURL>{e(urls.today)}</MsnTodayURL>"
        "</MsnTodayConfig>"
        f"<MSNSearch><SearchURL>{e(urls.search)}</SearchURL></MSNSearch>"
        "<TermsOfUse>"
        "<TermsOfUseSID>0</TermsOfUseSID>"
        f"<TermsOfUseURL>{e(urls.terms)}</TermsOfUseURL>"
        "</TermsOfUse>"
        f"<RL><ViewProfileURL>{e(urls.view_profile)}</ViewProfileURL></RL>"
        "</LocalizedConfig>"
        "</MsgrConfig>"
    )


def _cdata(text: str) -> str:
    # A literal "]]>" would end the section early; split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def soap_envelope(document: str) -> str:
    """The GetClientConfig SOAP response carrying `document` as CDATA text."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        "<soap:Body>"
        '<GetClientConfigResponse xmlns="http://www.msn.com/webservices/Messenger/Client">'
        f"<GetClientConfigResult>{_cdata(document)}</GetClientConfigResult>"
        "</GetClientConfigResponse>"
        "</soap:Body>"
        "</soap:Envelope>"
    )


class MsgrConfigService:
    def __init__(self, urls: MsgrConfigUrls, market: str = "en-US") -> None:
        document = msgr_config_document(urls, market)
        self._document = document.encode("utf-8")
        self._envelope = soap_envelope(document).encode("utf-8")

    def mount(self, router: Router) -> None:
        router.add("GET", MSGRCONFIG_PATH, self.get)
        router.add("POST", MSGRCONFIG_PATH, self.post)

    async def post(self, request: Request) -> Response:
        # Any POST gets the answer: 6.x is the only caller, and it asks only GetClientConfig;
        # neither SOAPAction nor Content-Type is checked, as clients differ in both.
        return Response(200, [("Content-Type", XML_CONTENT_TYPE)], self._envelope)

    async def get(self, request: Request) -> Response:
        return Response(200, [("Content-Type", XML_CONTENT_TYPE)], self._document)


def mount_msgrconfig(router: Router, config: Config) -> MsgrConfigService:
    service = MsgrConfigService(MsgrConfigUrls.for_base(config.web_base_url))
    service.mount(router)
    return service
