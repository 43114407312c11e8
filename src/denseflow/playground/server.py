"""The playground's web server: a Starlette app with a JSON API and one WebSocket per page.

Each browser tab creates its own session (``POST /api/sessions``) and opens its live stream
(``/api/sessions/{id}/stream``); a session is one :class:`~denseflow.playground.trainer.Trainer`,
trained by a background task a few iterations at a time in a worker thread. After each slice
of about 50 ms the task sends the page a frame (the costs recorded since the last one, the
heat maps, the weights), so a planar run shows at least 10 frames a second while training goes
on at nearly the speed of a plain ``fit``. The page answers every frame with ``{"type": "ack"}``
once drawn; until then no new frame is made (training does not wait), so a slow page never
piles frames up.

================================================ ========================================================
route                                            does
================================================ ========================================================
``GET /``, ``/static/…``                         the page and its files (nothing is fetched elsewhere)
``GET /api/options``                             choices, defaults and caps for the controls
``POST /api/sessions``                           a new session (body: settings to change from the defaults)
``GET``, ``DELETE /api/sessions/{id}``           its state; end it
``PUT /api/sessions/{id}/settings``              change settings (data or network changes restart the run)
``POST /api/sessions/{id}/csv``                  upload a CSV file (``Content-Type: text/csv``)
``POST /api/sessions/{id}/play|pause|reset``     run, pause, start again
``POST /api/sessions/{id}/step``                 ``{"iterations": n}`` more iterations (default 1)
``GET /api/sessions/{id}/history``               the library's History of the run
``GET /api/sessions/{id}/units/{l}/{j}``         unit j of layer l: weights and gradients now
``GET /api/sessions/{id}/reproduce``             the ``denseflow train`` command and the Python code
``GET /api/sessions/{id}/FILE``                  ``model.npz`` (:func:`denseflow.save`), ``data.csv``,
                                                 ``cost.png``, ``decision_boundary.png``
``WS /api/sessions/{id}/stream``                 frames; the page sends ``ack`` and ``select``
================================================ ========================================================

Safety: every request must name this server in its ``Host`` header (a loopback name or
address, the ``--host`` given, or, when listening beyond loopback, an IP address — never another
domain name, which is how DNS rebinding reaches a local server), and an ``Origin`` header, when
there is one, must be this server too; otherwise the answer is 403. Bodies are JSON (or CSV for
the upload) and capped in size; every setting is checked on the server
(:mod:`denseflow.playground.settings`), and a bad one is answered with 400 and the library's
message. At most :data:`MAX_SESSIONS` sessions run at once, and a session ends with its page.

Examples
--------
>>> from starlette.testclient import TestClient
>>> app = create_app("127.0.0.1", 8765)
>>> with TestClient(app, base_url="http://127.0.0.1:8765") as client:
...     sid = client.post("/api/sessions", json={}).json()["id"]
...     print(client.post(f"/api/sessions/{sid}/step", json={"iterations": 1000}).json()["cost"])
...     print(client.put(f"/api/sessions/{sid}/settings", json={"learning_rate": -1}).json()["error"])
0.2880832935690184...
The 'learning_rate' parameter of the playground must be a finite number > 0. Got -1 instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from denseflow.playground.guard import GuardMiddleware, HostPolicy
from denseflow.playground.sessions import MAX_SESSIONS, HTTPError, Registry, Session
from denseflow.playground.settings import MAX_ITERATIONS, check_int_in, options
from denseflow.playground.trainer import NotTrainedError

__all__ = ["create_app"]

STATIC = Path(__file__).resolve().parent / "static"
MAX_JSON_BYTES = 64 * 1024
MAX_CSV_BYTES = 1_000_000


async def _read_body(request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise HTTPError(413, f"The request body is too large: at most {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPError(413, f"The request body is too large: at most {limit} bytes.")
    return bytes(body)


def _media_type(request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _json_body(request):
    body = await _read_body(request, MAX_JSON_BYTES)
    if not body.strip():
        return {}
    if _media_type(request) != "application/json":
        raise HTTPError(415, "Send the request body as JSON (Content-Type: application/json).")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError(400, f"The request body is not valid JSON ({exc}).") from None
    if not isinstance(value, dict):
        raise HTTPError(400, f"The request body must be a JSON object such as {{\"layers\": [4]}}. Got {value!r} "
                             f"instead.")
    return value


def _int_param(text, name):
    try:
        return int(text)
    except ValueError:
        raise HTTPError(400, f"The {name!r} parameter of the playground must be an int. Got {text!r} instead.") from None


def _api(handler):
    """Turn the playground's errors into JSON answers: 400 (bad input, with the library's message), 409 (not
    now: the run finished, diverged or has not started), 413, 415, 429, 501 (a missing optional package)."""

    async def wrapped(request):
        try:
            return await handler(request)
        except HTTPError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except NotTrainedError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except ImportError as exc:  # a data set whose generator needs a package that is not installed
            return JSONResponse({"error": str(exc)}, status_code=501)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def create_app(host: str = "127.0.0.1", port: int = 8765, *, max_sessions: int = MAX_SESSIONS) -> Starlette:
    """The playground's ASGI app for a server listening on ``host``:``port`` (used by the Host/Origin guard).

    Parameters
    ----------
    host : str
        The address the server listens on (``--host``).
    port : int
        Its port.
    max_sessions : int
        How many sessions (pages) may run at once.
    """
    registry = Registry(max_sessions)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def reap_forever():
            while True:
                await asyncio.sleep(5.0)
                await registry.reap()

        reaper = asyncio.get_running_loop().create_task(reap_forever())
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await registry.close_all()

    async def index(request):
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @_api
    async def get_options(request):
        return JSONResponse(options())

    @_api
    async def create_session(request):
        session = await registry.create(await _json_body(request))
        return JSONResponse(session.summary(), status_code=201)

    def session_of(request) -> Session:
        return registry.get(request.path_params["sid"])

    @_api
    async def session_state(request):
        session = session_of(request)
        if request.method == "DELETE":
            await registry.close(session)
            return JSONResponse({"id": session.id, "state": "closed"})
        summary = session.summary()
        summary.update(await session.call(session.trainer.metrics))
        return JSONResponse(summary)

    @_api
    async def change_settings(request):
        session = session_of(request)
        return JSONResponse(await session.change(await _json_body(request)))

    @_api
    async def upload_csv(request):
        session = session_of(request)
        if _media_type(request) != "text/csv":
            raise HTTPError(415, "Send the CSV file as the request body with Content-Type: text/csv.")
        raw = await _read_body(request, MAX_CSV_BYTES)
        return JSONResponse(await session.upload_csv(raw, request.query_params.get("name")))

    @_api
    async def control(request):
        session = session_of(request)
        action = request.path_params["action"]
        body = await _json_body(request)
        if action == "step":
            unknown = sorted(set(body) - {"iterations"})
            if unknown:
                raise HTTPError(400, f"Unknown parameter(s) {unknown} for step; expected 'iterations'.")
            n = check_int_in(body.get("iterations", 1), "iterations", 1, MAX_ITERATIONS, " (iterations of one step)")
            summary = await session.step(n)
        elif body:
            raise HTTPError(400, f"{action} takes no parameters. Got {sorted(body)} instead.")
        elif action == "play":
            summary = await session.play()
        elif action == "pause":
            summary = await session.pause()
        elif action == "reset":
            summary = await session.reset()
        else:
            raise HTTPError(404, f"No such action {action!r}; expected play, pause, step or reset.")
        summary.update(await session.call(session.trainer.metrics))
        return JSONResponse(summary)

    @_api
    async def history(request):
        session = session_of(request)

        def read():
            h = session.trainer.history
            return {"iterations": list(h.iterations), "costs": list(h.costs), "val_costs": list(h.val_costs),
                    "val_accuracies": list(h.val_accuracies), "final_cost": session.trainer.final_cost,
                    "unit": h.unit, "learning_rates": list(h.learning_rates)}

        return JSONResponse(await session.call(read))

    @_api
    async def unit(request):
        session = session_of(request)
        layer = _int_param(request.path_params["layer"], "layer")
        j = _int_param(request.path_params["unit"], "unit")
        return JSONResponse(await session.call(session.trainer.unit, layer, j))

    @_api
    async def reproduce(request):
        session = session_of(request)
        return JSONResponse(await session.call(session.trainer.reproduction))

    @_api
    async def download(request):
        session = session_of(request)
        name = request.path_params["name"]
        makers = {
            "model.npz": (session.trainer.model_file, "application/octet-stream"),
            "data.csv": (session.trainer.data_csv, "text/csv; charset=utf-8"),
            "cost.png": (session.trainer.cost_png, "image/png"),
            "decision_boundary.png": (session.trainer.boundary_png, "image/png"),
        }
        if name not in makers:
            raise HTTPError(404, f"No such file {name!r}; expected one of {sorted(makers)}.")
        make, media_type = makers[name]
        content = await session.call(make)
        filename = session.trainer.data.csv_name if name == "data.csv" and session.trainer.data.csv_name else name
        return Response(content, media_type=media_type,
                        headers={"content-disposition": f'attachment; filename="{filename}"'})

    async def stream(websocket: WebSocket):
        session = registry.sessions.get(websocket.path_params["sid"])
        if session is None:
            await websocket.close(code=4404, reason="no such session; reload the page")
            return
        if session.socket is not None:
            await websocket.close(code=4409, reason="this session is open in another tab; open a new page")
            return
        await websocket.accept()
        await session.attach(websocket)
        try:
            while True:
                try:
                    message = json.loads(await websocket.receive_text())
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                kind = message.get("type")
                if kind == "ack":
                    session.acked = True
                    if session.dirty:
                        session.wake.set()
                elif kind == "select":
                    try:
                        await session.select(message.get("layer"), message.get("unit"))
                    except (ValueError, TypeError) as exc:
                        await websocket.send_text(json.dumps({"type": "error", "error": str(exc)}))
        except WebSocketDisconnect:
            pass
        finally:
            if session.socket is websocket:  # the page is gone (closed, reloaded): so is its session
                session.detach()
                await registry.close(session)

    routes = [
        Route("/", index),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/api/options", get_options),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route("/api/sessions/{sid}", session_state, methods=["GET", "DELETE"]),
        Route("/api/sessions/{sid}/settings", change_settings, methods=["PUT"]),
        Route("/api/sessions/{sid}/csv", upload_csv, methods=["POST"]),
        Route("/api/sessions/{sid}/history", history),
        Route("/api/sessions/{sid}/reproduce", reproduce),
        Route("/api/sessions/{sid}/units/{layer}/{unit}", unit),
        Route("/api/sessions/{sid}/{name:path}", download, methods=["GET"]),
        Route("/api/sessions/{sid}/{action}", control, methods=["POST"]),
        WebSocketRoute("/api/sessions/{sid}/stream", stream),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.registry = registry
    app.add_middleware(GuardMiddleware, policy=HostPolicy(host, port))
    return app
