"""Playground sessions: one per page, each a trainer and the background task that trains and streams it.

A :class:`Session` holds one :class:`~denseflow.playground.trainer.Trainer`. Its task trains a
slice of about :data:`FRAME_SECONDS` (a few hundred iterations on the planar set) in a worker
thread, then sends the page a frame when the page has drawn the previous one (it answers each
frame with ``{"type": "ack"}``), and goes on: the page gets a steady stream of frames and the
training hardly waits for it. Commands (play, pause, step, reset, new settings, an upload) take
the session's lock, so they land between two slices. The :class:`Registry` holds the sessions,
at most :data:`MAX_SESSIONS`, and ends those whose page has gone.

The WebSocket protocol, server → page: ``{"type": "reset", ...}`` (the data, the layers: draw
everything again) and ``{"type": "frame", ...}`` (:meth:`Trainer.snapshot
<denseflow.playground.trainer.Trainer.snapshot>` plus ``state``, ``frame`` and the measured
``speed`` in iterations per second), ``{"type": "error", "error": ...}``; page → server:
``{"type": "ack"}``, ``{"type": "select", "layer": l, "unit": j}`` (frames then carry that
unit's weights and gradients; ``layer: null`` clears it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import secrets
import time

from anyio import to_thread
from starlette.websockets import WebSocket

from denseflow.playground.data import make_data, read_upload
from denseflow.playground.settings import (
    MAX_ITERATIONS,
    MAX_POINTS,
    Settings,
    update_settings,
)
from denseflow.playground.trainer import Trainer

__all__ = ["Session", "Registry", "HTTPError", "MAX_SESSIONS", "FRAME_SECONDS", "ORPHAN_SECONDS"]

log = logging.getLogger("denseflow.playground")

#: Sessions (pages) that may run at once.
MAX_SESSIONS = 8
#: Training time between two frames (seconds).
FRAME_SECONDS = 0.05
#: A session without a page (none opened its stream, e.g. a script's) is ended after this many idle seconds.
ORPHAN_SECONDS = 60.0


class HTTPError(Exception):
    """An answer other than 2xx: its status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Session:
    """One page's run: its trainer, what it is doing, and the task that trains and streams it.

    ``state`` is ``paused``, ``running``, ``finished`` (the run made its ``num_iterations``) or
    ``diverged`` (the cost became NaN or infinite; the library's message is in the frames).
    """

    def __init__(self, sid: str, settings: Settings, trainer: Trainer):
        self.id = sid
        self.settings = settings
        self.trainer = trainer
        self.upload = None
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.state = "paused"
        self.steps = 0
        self.waiters: list[asyncio.Future] = []
        self.socket: WebSocket | None = None
        self.last_seen = time.monotonic()  # its last request (a session without a page is ended when idle)
        self.acked = True
        self.dirty = True
        self.reset_due = True
        self.sent = 0
        self.selected = None
        self.per_iteration = None
        self.frames = 0
        self.speed = None  # iterations per second measured over the last slice
        self.closed = False
        self._update_state()
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"playground-session-{sid[:6]}")

    # ------------------------------------------------------------------ state

    def _update_state(self):
        """The state the trainer is in (finished, diverged), and the step requests it ends."""
        t = self.trainer
        if t.error is not None:
            self.state = "diverged"
        elif t.finished:
            self.state = "finished"
        elif self.state in ("finished", "diverged"):
            self.state = "paused"
        if self.state in ("finished", "diverged"):
            self.steps = 0
        if self.steps == 0 and self.state != "running":
            self._release_waiters()

    def _release_waiters(self):
        for fut in self.waiters:
            if not fut.done():
                fut.set_result(None)
        self.waiters.clear()

    def summary(self) -> dict:
        t = self.trainer
        return {"id": self.id, "state": self.state, "iteration": t.completed, "target": t.settings.num_iterations,
                "step_unit": t.settings.unit, "error": t.error, "settings": self.settings.to_dict(),
                "frames": self.frames}

    def _replaced(self):
        """After a reset or a new trainer: paused at iteration 0; the page starts again from a reset message."""
        self.reset_due = True
        self.sent = 0
        self.dirty = True
        self.steps = 0
        self.state = "paused"
        self.per_iteration = None  # another network: measure its speed again
        self._update_state()
        self._release_waiters()
        self.wake.set()

    # ------------------------------------------------------------------ commands

    async def change(self, changes: dict) -> dict:
        new = update_settings(self.settings, changes)
        old = self.settings
        diff = {f.name for f in dataclasses.fields(Settings) if getattr(new, f.name) != getattr(old, f.name)}
        async with self.lock:
            if diff & set(Settings.DATA_KEYS):
                data = await to_thread.run_sync(make_data, new, self.upload)
                self.trainer = await to_thread.run_sync(Trainer, new, data)
                self.selected = None
                self._replaced()
            elif diff & set(Settings.RUN_KEYS) or ("num_iterations" in diff and (
                    new.num_iterations < self.trainer.completed
                    # the cosine schedule's α_t depends on the run's length: another length, another run
                    or (new.learning_rate_schedule == "cosine" and self.trainer.completed > 0))):
                self.trainer = await to_thread.run_sync(Trainer, new, self.trainer.data)
                self.selected = None
                self._replaced()
            else:
                self.trainer.settings = new
                self._update_state()
                self.dirty = True
                self.wake.set()
            self.settings = new
        return self.summary()

    async def upload_csv(self, raw: bytes, filename) -> dict:
        upload = await to_thread.run_sync(lambda: read_upload(raw, filename, max_points=MAX_POINTS))
        new = update_settings(self.settings, {"dataset": "csv"})
        async with self.lock:
            data = await to_thread.run_sync(make_data, new, upload)
            self.trainer = await to_thread.run_sync(Trainer, new, data)
            self.upload = upload
            self.settings = new
            self.selected = None
            self._replaced()
        return self.summary()

    def _refuse_if_done(self, what):
        if self.state == "diverged":
            raise HTTPError(409, f"Cannot {what}: {self.trainer.error} Reset the run (or change a setting).")
        if self.state == "finished":
            raise HTTPError(409, f"Cannot {what}: the run has finished its {self.trainer.settings.num_iterations} "
                                 f"iterations. Raise 'num_iterations' to go on, or reset.")

    async def play(self) -> dict:
        self._refuse_if_done("play")
        self.state = "running"
        self.wake.set()
        return self.summary()

    async def pause(self) -> dict:
        if self.state == "running":
            self.state = "paused"
        self.steps = 0
        self._release_waiters()
        self.dirty = True
        self.wake.set()
        return self.summary()

    async def step(self, iterations: int) -> dict:
        self._refuse_if_done("step")
        if self.state == "running":
            self.state = "paused"
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        self.steps += iterations
        self.wake.set()
        await fut
        return self.summary()

    async def reset(self) -> dict:
        async with self.lock:
            self.trainer.reset()
            self._replaced()
        return self.summary()

    async def select(self, layer, unit):
        if layer is None:
            self.selected = None
        else:
            async with self.lock:
                await to_thread.run_sync(self.trainer.unit, layer, unit)  # checks them
            self.selected = (layer, unit)
        self.dirty = True
        self.wake.set()

    async def call(self, func, *args):
        """Run ``func(*args)`` on the trainer's current state in a worker thread."""
        async with self.lock:
            return await to_thread.run_sync(func, *args)

    # ------------------------------------------------------------------ the background task

    async def _run(self):
        try:
            while not self.closed:
                await self.wake.wait()
                self.wake.clear()
                await self._work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep the page informed instead of dying silently
            log.exception("playground session %s failed", self.id)
            self.state = "error"
            self._release_waiters()
            if self.socket is not None:
                with contextlib.suppress(Exception):
                    await self.socket.send_text(json.dumps({"type": "error", "error": f"{type(exc).__name__}: {exc}"}))

    def _chunk(self) -> int:
        speed = self.settings.speed
        if speed is not None:
            n = max(1, round(speed * FRAME_SECONDS))
        elif self.per_iteration is None:
            n = 20
        else:
            n = max(1, int(FRAME_SECONDS / self.per_iteration))
        if self.steps:
            n = min(n, self.steps)
        return min(n, MAX_ITERATIONS)

    async def _work(self):
        while not self.closed:
            working = self.state == "running" or self.steps > 0
            started = time.monotonic()
            if working:
                n = self._chunk()
                async with self.lock:
                    t0 = time.perf_counter()
                    done = await to_thread.run_sync(self.trainer.advance, n)
                    elapsed = time.perf_counter() - t0
                if done:
                    per = elapsed / done
                    self.per_iteration = per if self.per_iteration is None else 0.5 * (self.per_iteration + per)
                    self.speed = done / elapsed if elapsed > 0 else None
                if self.steps:
                    self.steps = max(0, self.steps - done) if done else 0
                self.dirty = True
                self._update_state()
            if self.dirty and self.socket is not None and self.acked:
                await self._send_frame()
            if not (self.state == "running" or self.steps > 0):
                return
            if self.settings.speed is not None:  # slowed down: n iterations per n / speed seconds
                await asyncio.sleep(max(0.0, started + n / self.settings.speed - time.monotonic()))
            else:
                await asyncio.sleep(0)

    async def _send_frame(self):
        socket = self.socket
        async with self.lock:
            messages = []
            if self.reset_due:
                t = self.trainer
                view = await to_thread.run_sync(t.dataset_view)
                messages.append({"type": "reset", "dims": t.dims, "layers": t.layers(), "dataset": view,
                                 "settings": self.settings.to_dict(), "m": int(t.data.X.shape[1]),
                                 "m_test": 0 if t.data.X_test is None else int(t.data.X_test.shape[1])})
            frame = await to_thread.run_sync(self.trainer.snapshot, self.sent, self.selected)
            self.sent = len(self.trainer.history.costs)
            self.reset_due = False
        self.frames += 1
        frame.update(type="frame", state=self.state, frame=self.frames,
                     speed=None if self.state != "running" else self.speed)
        messages.append(frame)
        self.dirty = False
        self.acked = False
        try:
            for message in messages:
                await socket.send_text(json.dumps(message, allow_nan=False))
        except Exception:  # noqa: BLE001 - the page went away; its socket handler ends the session
            self.acked = True

    async def attach(self, socket: WebSocket):
        self.socket = socket
        self.acked = True
        self.reset_due = True
        self.sent = 0
        self.dirty = True
        self.wake.set()

    def detach(self):
        self.socket = None
        self.last_seen = time.monotonic()
        if self.state == "running":
            self.state = "paused"
        self.steps = 0
        self._release_waiters()

    async def close(self):
        self.closed = True
        self._release_waiters()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close(code=1001)
            self.socket = None


class Registry:
    """The running sessions, at most ``max_sessions``."""

    def __init__(self, max_sessions: int = MAX_SESSIONS):
        self.max_sessions = max_sessions
        self.sessions: dict[str, Session] = {}

    def get(self, sid: str) -> Session:
        session = self.sessions.get(sid)
        if session is not None:
            session.last_seen = time.monotonic()
        if session is None:
            raise HTTPError(404, "No such session: it ended (a session ends when its page is closed). Reload the "
                                 "page for a new one.")
        return session

    async def create(self, changes) -> Session:
        if len(self.sessions) >= self.max_sessions:
            raise HTTPError(429, f"The playground already runs {self.max_sessions} sessions (its cap): close one of "
                                 f"its tabs (a session ends with its page; one without a page ends after "
                                 f"{int(ORPHAN_SECONDS)} s idle).")
        settings = update_settings(None, changes)
        data = await to_thread.run_sync(make_data, settings)
        trainer = await to_thread.run_sync(Trainer, settings, data)
        if len(self.sessions) >= self.max_sessions:  # others were created meanwhile
            raise HTTPError(429, f"The playground already runs {self.max_sessions} sessions (its cap).")
        sid = secrets.token_urlsafe(18)
        session = Session(sid, settings, trainer)
        self.sessions[sid] = session
        return session

    async def close(self, session: Session):
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        await session.close()

    async def close_all(self):
        for session in list(self.sessions.values()):
            await self.close(session)

    async def reap(self):
        """End the sessions without a page that have been idle (no request, not training) for ORPHAN_SECONDS."""
        now = time.monotonic()
        for session in list(self.sessions.values()):
            idle = session.state != "running" and not session.steps
            if session.socket is None and idle and now - session.last_seen > ORPHAN_SECONDS:
                await self.close(session)
