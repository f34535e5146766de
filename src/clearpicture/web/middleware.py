"""Security headers on every response, and refusal of cross-site state-changing requests.

Headers (OWASP ASVS 5.0 chapter 3): a Content-Security-Policy that allows no inline script and no
framing, ``nosniff``, no referrer, no caching of pages holding personal data, HSTS behind TLS.
Requests that change state (POST, PUT, PATCH, DELETE) whose ``Origin`` is another site, or that a
browser marks ``Sec-Fetch-Site: cross-site``, are refused before any route runs: together with
SameSite=Strict cookies and per-session CSRF tokens this closes cross-site request forgery.

Written as plain ASGI middleware so it wraps every response, errors included. It must not read the
store or know about users.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SECURITY_HEADERS", "SecurityMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _is_cross_site(scope: Scope) -> bool:
    if _header(scope, b"sec-fetch-site") == "cross-site":
        return True
    origin = _header(scope, b"origin")
    if origin is None:
        return False
    if origin == "null":
        # With "Referrer-Policy: no-referrer" browsers send "Origin: null" even for a form on our
        # own page; only the browser's own Fetch Metadata can then vouch that it is same-origin.
        return _header(scope, b"sec-fetch-site") != "same-origin"
    # Compare hosts, not schemes: behind a TLS proxy the app may see http while the browser says
    # https. The proxy must pass the Host header on unchanged (nginx: proxy_set_header Host $host).
    host = (_header(scope, b"host") or "").lower()
    return urlsplit(origin).netloc.lower() != host


class SecurityMiddleware:
    """Adds :data:`SECURITY_HEADERS` (and HSTS over https); refuses cross-site unsafe requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = set(SECURITY_HEADERS) | (set() if static else {"cache-control"})
                headers = [(k, v) for k, v in message.get("headers", [])
                           if bytes(k).lower().decode("latin-1") not in replaced]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        if scope.get("method") in _UNSAFE and _is_cross_site(scope):
            body = json.dumps({"detail": "cross-site request refused"}).encode()
            await send_with_headers({"type": "http.response.start", "status": 403,
                                     "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            # An unexpected error still gets a plain answer with the security headers; the error
            # itself goes on to the server's log (never to the user).
            if not started:
                body = b'{"detail":"internal error"}'
                await send_with_headers({"type": "http.response.start", "status": 500,
                                         "headers": [(b"content-type", b"application/json"),
                                                     (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
            raise
