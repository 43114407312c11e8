"""Starting the playground: ``denseflow playground`` (:func:`cli_command`) and :func:`serve`.

:func:`serve` binds the socket itself (so ``port=0`` picks a free port and the URL is known
before the server starts), runs the app on uvicorn, opens the page in the browser once the
server listens, and returns after Ctrl-C (SIGINT) or SIGTERM, once the server has closed every
page's stream and ended every session.

Examples
--------
>>> import argparse
>>> cli_command(argparse.Namespace(host="127.0.0.1", port=-1, no_browser=True))
Traceback (most recent call last):
...
ValueError: --port must be in [0, 65535] (0: any free port). Got -1 instead.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys
import webbrowser

from denseflow.playground.server import create_app

__all__ = ["serve", "cli_command", "DEFAULT_PORT"]

DEFAULT_PORT = 8765


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"--host {host}: not an address of this machine ({exc.strerror}).") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if port:
            raise ValueError(f"Cannot listen on {host}:{port} ({exc.strerror}); pass another --port, or --port 0 "
                             f"for any free one.") from None
        raise ValueError(f"Cannot listen on {host} ({exc.strerror}).") from None
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    name = host.strip("[]")
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return f"http://{name}:{port}/"
    if ip.is_unspecified:
        return f"http://127.0.0.1:{port}/" if ip.version == 4 else f"http://[::1]:{port}/"
    return f"http://[{ip}]:{port}/" if ip.version == 6 else f"http://{ip}:{port}/"


def _is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, open_browser: bool = True, stream=None) -> None:
    """Run the playground until Ctrl-C; print its address on ``stream`` (default stdout).

    Parameters
    ----------
    host : str, default '127.0.0.1'
        The address to listen on. Anything but loopback makes the playground reachable from other
        machines (it has no login), so a warning is printed.
    port : int, default 8765
        0 picks a free port.
    open_browser : bool, default True
        Open the page in the default browser once the server listens.
    """
    import uvicorn

    stream = sys.stdout if stream is None else stream
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    url = _url(host, port)
    app = create_app(host, port)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=3,
                            ws_ping_interval=None)
    server = uvicorn.Server(config)

    async def main():
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        for _ in range(600):  # up to 30 s for the server to listen
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if server.started:
            print(f"denseflow playground: {url}  (Ctrl-C to stop)", file=stream, flush=True)
            if not _is_loopback(host):
                print(f"warning: listening on {host}: any machine that reaches it can use the playground "
                      f"(there is no login).", file=stream, flush=True)
            if open_browser:
                await asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)
        await task

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly, then re-raised the signal
    finally:
        sock.close()
    print("denseflow playground: stopped.", file=stream, flush=True)


def cli_command(args) -> int:
    """``denseflow playground``: ``args.host``, ``args.port``, ``args.no_browser``; returns the exit code."""
    port = args.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"--port must be in [0, 65535] (0: any free port). Got {port!r} instead.")
    serve(args.host, port, open_browser=not args.no_browser)
    return 0
