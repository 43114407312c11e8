"""The DNS-rebinding and cross-origin guard of the playground's server, and its security headers.

A server on 127.0.0.1 is reachable by any page the browser shows: a page on ``evil.example``
can point its own name at 127.0.0.1 (DNS rebinding) or simply send requests to
``http://127.0.0.1:PORT``. :class:`GuardMiddleware` refuses, with 403, every request whose
``Host`` does not name this server (:class:`HostPolicy`) and every request whose ``Origin``, when
there is one, is another site; a WebSocket handshake from another origin is closed before it is
accepted. Every answer also carries headers that keep the page to its own files (a strict
Content-Security-Policy, no framing, no sniffing).

Examples
--------
>>> policy = HostPolicy("0.0.0.0", 8000)        # listening on every interface
>>> policy.host_ok("192.168.1.20:8000"), policy.host_ok("rebound.example:8000"), policy.host_ok("[::1]:8000")
(True, False, True)
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.responses import JSONResponse

__all__ = ["HostPolicy", "GuardMiddleware", "SECURITY_HEADERS"]

log = logging.getLogger("denseflow.playground")

#: Added to every HTTP answer.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
     b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"cache-control", b"no-store"),
]


def _split_host(value: str):
    """``'name:port'`` / ``'[::1]:port'`` → (name, port or None); None if it cannot be parsed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:] or None
    else:
        name, _, port = value.partition(":")
        port = port or None
    if port is not None and not port.isdigit():
        return None
    return name, None if port is None else int(port)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which ``Host`` and ``Origin`` values name this server (the DNS-rebinding guard).

    A server bound to loopback answers to ``localhost``, ``127.0.0.1`` and ``[::1]`` on its
    port; one bound to another address (or to all, ``0.0.0.0`` / ``::``) also to any IP
    address, and to ``--host`` itself when that is a name. Another domain name is refused: a
    page on ``evil.example`` that rebinds its name to 127.0.0.1 still sends ``Host:
    evil.example``.

    >>> policy = HostPolicy("127.0.0.1", 8765)
    >>> policy.host_ok("127.0.0.1:8765"), policy.host_ok("localhost:8765"), policy.host_ok("evil.example:8765")
    (True, True, False)
    >>> policy.origin_ok("http://localhost:8765"), policy.origin_ok("http://evil.example"), policy.origin_ok("null")
    (True, False, False)
    """

    _LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

    def __init__(self, host: str, port: int):
        self.port = int(port)
        host = host.strip().lower().strip("[]")
        self.names = set(self._LOOPBACK_NAMES) | {host}
        loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
        self.any_ip = not loopback

    def host_ok(self, value) -> bool:
        if not value:
            return False
        parsed = _split_host(value)
        if parsed is None:
            return False
        name, port = parsed
        if (port if port is not None else 80) != self.port:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    def origin_ok(self, value) -> bool:
        scheme, sep, rest = str(value).partition("://")
        return bool(sep) and scheme == "http" and "/" not in rest and self.host_ok(rest)


class GuardMiddleware:
    """ASGI middleware: refuse a foreign ``Host`` or ``Origin`` (403), add security headers."""

    def __init__(self, app, policy: HostPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        host, origin = headers.get("host"), headers.get("origin")
        problem = None
        if not self.policy.host_ok(host):
            problem = (f"Refused: the Host header {host!r} does not name this server (port {self.policy.port}); "
                       f"open the playground at the address it printed.")
        elif origin is not None and not self.policy.origin_ok(origin):
            problem = f"Refused: a page from {origin!r} may not use this playground (cross-origin request)."
        if problem is not None:
            log.warning(problem)
            if scope["type"] == "http":
                return await JSONResponse({"error": problem}, status_code=403)(scope, receive, send)
            await receive()  # websocket.connect
            return await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)
