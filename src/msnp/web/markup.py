"""HTML for the service's pages: one page frame, form fields, messages. Every value
that reaches a page goes through `html.escape`."""

from __future__ import annotations

from html import escape

from msnp.web.messages import Response

STYLE = (
    "body{font-family:Tahoma,Verdana,sans-serif;max-width:44em;margin:1em auto;padding:0 1em}"
    "label{display:block;margin:.6em 0 .2em}.error{color:#a00;font-weight:bold}"
    ".done{color:#060;font-weight:bold}code{background:#eee;padding:0 .2em}"
)
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'",
    ),
)


# ---- HTML helpers ---------------------------------------------------------------------------


def page(status: int, title: str, body: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A whole HTML page; `body` is HTML the caller has already escaped."""
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - msnp</title><style>{STYLE}</style></head><body>\n"
        '<p><a href="/">Home</a> | <a href="/register">Sign up</a> | '
        '<a href="/account">Your account</a> | <a href="/help">Help</a></p>\n'
        f"<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return Response(
        status,
        [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS, *headers],
        document.encode("utf-8"),
    )


def message(text: str | None, css: str = "error") -> str:
    if not text:
        return ""
    return f'<p class="{css}">{escape(text)}</p>\n'


def field(label: str, name: str, value: str = "", kind: str = "text") -> str:
    shown = "" if kind == "password" else f' value="{escape(value)}"'
    return (
        f'<label for="{name}">{escape(label)}</label>'
        f'<input type="{kind}" id="{name}" name="{name}"{shown} size="40">\n'
    )


def form(action: str, fields: str, submit: str) -> str:
    return (
        f'<form method="post" action="{escape(action)}" accept-charset="utf-8" '
        f'enctype="application/x-www-form-urlencoded">\n{fields}'
        f'<p><input type="submit" value="{escape(submit)}"></p>\n</form>'
    )


def sentence(message: str) -> str:
    """An AccountError's one-line message as a sentence for a page."""
    text = message.strip()
    if not text:
        return "The request was refused."
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


# ---- forms ----------------------------------------------------------------------------------
