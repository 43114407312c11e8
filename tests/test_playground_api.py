"""The playground's server API: checks with the library's messages, caps, the Host/Origin guard,
and numbers equal to the library's (same seed → same costs, same parameters, same model file)."""

import json
import os
import shlex
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("sklearn")
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

import denseflow  # noqa: E402
from denseflow import datasets  # noqa: E402
from denseflow.core.activations import HIDDEN_ACTIVATIONS  # noqa: E402
from denseflow.core.initializers import INITIALIZERS  # noqa: E402
from denseflow.core.optimizers import OPTIMIZERS  # noqa: E402
from denseflow.core.propagation import model_backward, model_forward  # noqa: E402
from denseflow.core.validation import (  # noqa: E402
    check_choice,
    check_positive,
    check_positive_int,
    check_seed,
)
from denseflow.models import DeepNetwork, LogisticRegression, ShallowNetwork  # noqa: E402
from denseflow.playground import create_app, spiral, xor  # noqa: E402
from denseflow.training import TrainingDivergedError  # noqa: E402

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
WS = f"ws://127.0.0.1:{PORT}"
OWNER = "the playground"


@pytest.fixture
def client():
    with TestClient(create_app("127.0.0.1", PORT), base_url=BASE) as c:
        yield c


def new_session(client, **settings):
    r = client.post("/api/sessions", json=settings)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def message_of(func, *args, **kwargs):
    """The message the library itself raises for these arguments."""
    with pytest.raises((ValueError, TypeError)) as info:
        func(*args, **kwargs)
    return str(info.value)


def download_model(client, sid, tmp_path, name="page.npz"):
    r = client.get(f"/api/sessions/{sid}/model.npz")
    assert r.status_code == 200, r.text
    path = tmp_path / name
    path.write_bytes(r.content)
    return denseflow.load(path)


def same_parameters(a, b):
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------------------------------
# choices, bad input, caps
# ---------------------------------------------------------------------------------------------


def test_options_list_the_library_registries(client):
    o = client.get("/api/options").json()
    assert o["activations"] == list(HIDDEN_ACTIVATIONS)
    assert [i["name"] for i in o["initializers"]] == list(INITIALIZERS)
    assert [d["name"] for d in o["datasets"]] == ["planar", "moons", "circles", "blobs", "gaussian-quantiles", "xor",
                                                  "spiral", "csv"]
    assert o["defaults"]["layers"] == [4] and o["defaults"]["learning_rate"] == 1.2


BAD_SETTINGS = [
    ({"hidden_activation": "sigmod"},
     lambda: message_of(check_choice, "sigmod", HIDDEN_ACTIVATIONS, "hidden_activation", OWNER)),
    ({"initialization": "glorot"}, lambda: message_of(check_choice, "glorot", INITIALIZERS, "initialization", OWNER)),
    ({"learning_rate": -1}, lambda: message_of(check_positive, -1, "learning_rate", OWNER)),
    ({"learning_rate": "fast"}, lambda: message_of(check_positive, "fast", "learning_rate", OWNER)),
    ({"seed": -1}, lambda: message_of(check_seed, -1, OWNER)),
    ({"layers": [4, 0]}, lambda: message_of(check_positive_int, 0, "layers", OWNER)),
    ({"layers": [4.5]}, lambda: message_of(check_positive_int, 4.5, "layers", OWNER)),
    ({"m": 401}, lambda: message_of(datasets.planar_flower, m=401)),
    ({"dataset": "moons", "noise": -0.1}, lambda: message_of(check_positive, -0.1, "noise", OWNER, allow_zero=True)),
    ({"noise": 0.2}, lambda: "The 'noise' parameter of the playground does not apply to dataset 'planar' "
                             "(planar_flower has no noise parameter); send null."),
    ({"dataset": "csv"}, lambda: "The 'dataset' parameter of the playground is 'csv' but no CSV file was uploaded; "
                                 "upload one first (two feature columns, the label last)."),
    ({"colour": "red"}, lambda: "Unknown setting(s) ['colour'] for the playground; expected some of ['dataset', 'm', "
                                "'noise', 'data_seed', 'test_fraction', 'standardize', 'layers', 'hidden_activation', "
                                "'initialization', 'learning_rate', 'num_iterations', 'seed', 'course', 'optimizer', "
                                "'batch_size', 'lambd', 'keep_prob', 'learning_rate_schedule', 'decay_rate', 'grid', "
                                "'speed']."),
    ({"course": "yes"}, lambda: "The 'course' parameter of the playground must be true or false. Got 'yes' instead."),
    ({"optimizer": "adamw"}, lambda: message_of(check_choice, "adamw", OPTIMIZERS, "optimizer", OWNER)),
    ({"learning_rate_schedule": "linear"},
     lambda: message_of(ShallowNetwork(learning_rate_schedule="linear")._validate_hyperparameters)
     .replace("ShallowNetwork", OWNER)),
    ({"batch_size": 0}, lambda: message_of(check_positive_int, 0, "batch_size", OWNER)),
    ({"batch_size": 12.5}, lambda: message_of(check_positive_int, 12.5, "batch_size", OWNER)),
    ({"lambd": -0.1}, lambda: message_of(check_positive, -0.1, "lambd", OWNER, allow_zero=True)),
    ({"keep_prob": 0}, lambda: message_of(ShallowNetwork(keep_prob=0)._validate_hyperparameters)
     .replace("ShallowNetwork", OWNER)),
    ({"keep_prob": 1.5}, lambda: message_of(ShallowNetwork(keep_prob=1.5)._validate_hyperparameters)
     .replace("ShallowNetwork", OWNER)),
    ({"learning_rate_schedule": "exponential", "decay_rate": 2},
     lambda: message_of(ShallowNetwork(learning_rate_schedule="exponential", decay_rate=2)._validate_hyperparameters)
     .replace("ShallowNetwork", OWNER)),
    ({"decay_rate": -1}, lambda: message_of(check_positive, -1, "decay_rate", OWNER, allow_zero=True)),
]


@pytest.mark.parametrize("changes, expected", BAD_SETTINGS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else "")
def test_bad_settings_are_400_with_the_library_message(client, changes, expected):
    r = client.post("/api/sessions", json=changes)
    assert r.status_code == 400
    assert r.json()["error"] == expected()
    sid = new_session(client)
    before = client.get(f"/api/sessions/{sid}").json()["settings"]
    r = client.put(f"/api/sessions/{sid}/settings", json=changes)
    assert r.status_code == 400
    assert r.json()["error"] == expected()
    assert client.get(f"/api/sessions/{sid}").json()["settings"] == before


CAPS = [
    ({"layers": [4] * 7}, "at most 6 hidden layers"),
    ({"layers": [51]}, "sizes in [1, 50]"),
    ({"m": 2002}, "an int in [2, 2000]"),
    ({"grid": 201}, "an int in [10, 200]"),
    ({"grid": 9}, "an int in [10, 200]"),
    ({"num_iterations": 100_001}, "an int in [1, 100000]"),
    ({"test_fraction": 0.95}, "a number in [0, 0.9]"),
    ({"speed": 0}, "an int in [1, 100000]"),
    ({"batch_size": 2001}, "an int in [1, 2000]"),
    ({"lambd": 101}, "a number in [0, 100.0]"),
    ({"learning_rate_schedule": "inverse_time", "decay_rate": 1000}, "a number in [0, 100.0]"),
]


@pytest.mark.parametrize("changes, fragment", CAPS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else "")
def test_caps_are_enforced(client, changes, fragment):
    r = client.post("/api/sessions", json=changes)
    assert r.status_code == 400
    assert fragment in r.json()["error"]


def test_step_size_is_capped_and_checked(client):
    sid = new_session(client)
    r = client.post(f"/api/sessions/{sid}/step", json={"iterations": 100_001})
    assert r.status_code == 400 and "an int in [1, 100000]" in r.json()["error"]
    r = client.post(f"/api/sessions/{sid}/step", json={"iterations": 2, "speed": 3})
    assert r.status_code == 400 and "Unknown parameter(s) ['speed']" in r.json()["error"]
    assert client.post(f"/api/sessions/{sid}/play", json={"now": True}).status_code == 400


def test_sessions_are_capped():
    with TestClient(create_app("127.0.0.1", PORT, max_sessions=2), base_url=BASE) as client:
        first = new_session(client)
        new_session(client)
        r = client.post("/api/sessions", json={})
        assert r.status_code == 429 and "already runs 2 sessions" in r.json()["error"]
        assert client.delete(f"/api/sessions/{first}").status_code == 200
        new_session(client)
        assert client.get(f"/api/sessions/{first}").status_code == 404


def test_bodies_are_capped_and_typed(client):
    r = client.post("/api/sessions", content=json.dumps({"layers": [4], "pad": "x" * 70_000}),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/sessions", content="{}", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/sessions", content="{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = client.post("/api/sessions", json=[1, 2])
    assert r.status_code == 400 and "must be a JSON object" in r.json()["error"]
    sid = new_session(client)
    big = "x1,x2,label\n" + "0.5,0.5,1\n" * 110_000
    r = client.post(f"/api/sessions/{sid}/csv", content=big, headers={"content-type": "text/csv"})
    assert r.status_code == 413
    r = client.post(f"/api/sessions/{sid}/csv", content="1,2,0\n", headers={"content-type": "application/json"})
    assert r.status_code == 415


# ---------------------------------------------------------------------------------------------
# Host and Origin
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, status", [
    ({"origin": BASE}, 201),
    ({"origin": f"http://localhost:{PORT}"}, 201),
    ({}, 201),
    ({"origin": "http://evil.example"}, 403),
    ({"origin": f"http://127.0.0.1:{PORT + 1}"}, 403),
    ({"origin": "null"}, 403),
    ({"host": f"evil.example:{PORT}"}, 403),
    ({"host": f"127.0.0.1:{PORT + 1}"}, 403),
    ({"host": f"localhost:{PORT}", "origin": f"http://localhost:{PORT}"}, 201),
])
def test_foreign_host_or_origin_is_refused(client, headers, status):
    r = client.post("/api/sessions", json={}, headers=headers)
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["error"].startswith("Refused:")
    r = client.get("/", headers=headers)
    assert r.status_code == (200 if status == 201 else 403)


def test_a_listening_address_beyond_loopback_still_refuses_other_domain_names():
    with TestClient(create_app("0.0.0.0", PORT), base_url=f"http://192.168.1.20:{PORT}") as client:
        assert client.post("/api/sessions", json={}).status_code == 201
        assert client.get("/", headers={"host": f"rebound.example:{PORT}"}).status_code == 403


def test_websocket_from_a_foreign_origin_is_refused(client):
    sid = new_session(client)
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_text()
    assert info.value.code == 1008
    with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream", headers={"origin": BASE}) as ws:
        assert json.loads(ws.receive_text())["type"] == "reset"


def test_one_page_per_session(client):
    sid = new_session(client)
    with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream") as ws:
        assert json.loads(ws.receive_text())["type"] == "reset"
        with pytest.raises(WebSocketDisconnect) as info:
            with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream") as second:
                second.receive_text()
        assert info.value.code == 4409
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(f"{WS}/api/sessions/nope/stream") as ws:
            ws.receive_text()
    assert info.value.code == 4404


# ---------------------------------------------------------------------------------------------
# the library's numbers
# ---------------------------------------------------------------------------------------------


TRAINING_KEYS = ("optimizer", "batch_size", "lambd", "keep_prob", "learning_rate_schedule", "decay_rate")


def _library_run(settings, iterations):
    """Train the same run with the library directly: (model, X, Y, X_test, Y_test)."""
    name = settings.get("dataset", "planar")
    kwargs = {k: settings[v] for k, v in (("m", "m"), ("noise", "noise"), ("seed", "data_seed")) if v in settings}
    generator = {"xor": xor, "spiral": spiral}.get(name) or datasets.DATASETS[name]
    X, Y = generator(**kwargs)
    X, Y, X_test, Y_test = datasets.train_val_split(X, Y, settings.get("test_fraction", 0.0), seed=0)
    layers = settings.get("layers", [4])
    common = dict(learning_rate=settings.get("learning_rate", 1.2), num_iterations=iterations,
                  initialization=settings.get("initialization", "random"), seed=settings.get("seed", 2),
                  course=settings.get("course", True))
    common.update({key: settings[key] for key in TRAINING_KEYS if key in settings})
    act = settings.get("hidden_activation", "tanh")
    if not layers:
        model = LogisticRegression(**common)
    elif len(layers) == 1:
        model = ShallowNetwork(n_h=layers[0], hidden_activation=act, **common)
    else:
        model = DeepNetwork([2, *layers, 1], hidden_activation=act, **common)
    model.fit(X, Y, X_test, Y_test)
    return model, X, Y, X_test, Y_test


RUNS = [
    pytest.param({}, [10000], id="planar-default"),
    pytest.param({"dataset": "moons", "m": 300, "noise": 0.25, "data_seed": 3, "test_fraction": 0.25, "layers": [8, 4],
                  "hidden_activation": "relu", "initialization": "he", "learning_rate": 0.01, "optimizer": "adam",
                  "batch_size": 32, "lambd": 0.1, "keep_prob": 0.8, "course": False},
                 [7, 1, 12], id="moons-adam-minibatch-l2-dropout"),
    pytest.param({"layers": [5], "optimizer": "momentum", "batch_size": 64, "keep_prob": 0.9, "lambd": 0.5,
                  "learning_rate": 0.3, "learning_rate_schedule": "cosine"},
                 [3, 5, 7], id="planar-course-momentum-cosine"),
    pytest.param({"dataset": "circles", "layers": [6], "optimizer": "rmsprop", "learning_rate": 0.01,
                  "learning_rate_schedule": "exponential", "decay_rate": 0.99, "course": False, "test_fraction": 0.2},
                 [40, 60], id="circles-rmsprop-full-batch-exponential"),
    pytest.param({"dataset": "moons", "m": 300, "noise": 0.25, "data_seed": 3, "test_fraction": 0.25,
                  "layers": [8, 4], "hidden_activation": "relu", "initialization": "he", "learning_rate": 0.3},
                 [777, 777, 446], id="moons-deep-relu-test-split"),
    pytest.param({"dataset": "xor", "layers": [6], "hidden_activation": "sigmoid", "initialization": "xavier",
                  "learning_rate": 2.0, "course": False, "seed": 7}, [1, 2, 997], id="xor-sigmoid-not-course"),
    pytest.param({"dataset": "spiral", "layers": [], "initialization": "zeros", "learning_rate": 0.5}, [300],
                 id="spiral-logistic"),
]


@pytest.mark.parametrize("settings, steps", RUNS)
def test_same_seed_same_costs_parameters_and_model_file_as_the_library(client, tmp_path, settings, steps):
    total = sum(steps)
    sid = new_session(client, num_iterations=max(total, 1), **settings)
    for n in steps:  # however the run is cut into steps, the numbers are the same
        state = client.post(f"/api/sessions/{sid}/step", json={"iterations": n}).json()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, X, Y, X_test, Y_test = _library_run(settings, total)
    assert state["iteration"] == total
    # The library's verdict on the whole run (when it has one), not on the page's slices of it.
    assert state["problems"] == [str(w.message) for w in caught if w.category.__name__ == "TrainingWarning"]
    assert state["cost"] == model.history_.final_cost
    assert state["train_accuracy"] == model.accuracy(X, Y)
    if X_test is not None:
        assert state["test_accuracy"] == model.accuracy(X_test, Y_test)
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["costs"] == model.history_.costs
    assert history["val_costs"] == model.history_.val_costs
    assert history["val_accuracies"] == model.history_.val_accuracies
    page_model = download_model(client, sid, tmp_path)
    assert same_parameters(page_model.parameters_, model.parameters_)
    assert page_model.history_.to_dict() == model.history_.to_dict()
    assert page_model.get_config() == model.get_config()
    assert np.array_equal(page_model.predict(X), model.predict(X))


def test_the_course_planar_run_reaches_90_75(client):
    sid = new_session(client)
    state = client.post(f"/api/sessions/{sid}/step", json={"iterations": 10000}).json()
    assert state["state"] == "finished"
    assert state["train_accuracy"] == 0.9075
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert round(history["costs"][0], 6) == 0.693048 and round(history["costs"][1000], 6) == 0.288083


def _frames(ws, count_limit=2000):
    """Receive (and acknowledge) messages until the run stops; returns them."""
    messages = []
    for _ in range(count_limit):
        message = json.loads(ws.receive_text())
        messages.append(message)
        if message["type"] == "frame":
            ws.send_text('{"type": "ack"}')
            if message["state"] in ("finished", "diverged", "paused") and len(messages) > 2:
                break
    return messages


def test_play_streams_frames_whose_costs_are_the_library_history(client):
    sid = new_session(client, num_iterations=4000)
    with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream") as ws:
        first = [json.loads(ws.receive_text()) for _ in range(2)]
        assert [m["type"] for m in first] == ["reset", "frame"]
        assert first[0]["dims"] == [2, 4, 1] and first[0]["m"] == 400
        ws.send_text('{"type": "ack"}')
        assert client.post(f"/api/sessions/{sid}/play").json()["state"] == "running"
        frames = [m for m in _frames(ws) if m["type"] == "frame"]
    model, X, Y, _, _ = _library_run({}, 4000)
    assert frames[-1]["state"] == "finished" and frames[-1]["iteration"] == 4000
    assert len(frames) >= 2
    iterations = [f["iteration"] for f in frames]
    assert iterations == sorted(iterations)
    costs = first[1]["costs"]["train"] + [c for f in frames for c in f["costs"]["train"]]
    assert costs == model.history_.costs
    assert frames[-1]["cost"] == model.history_.final_cost
    assert frames[-1]["predictions"] == "".join(str(int(v)) for v in model.predict(X)[0])
    assert frames[-1]["train_accuracy"] == model.accuracy(X, Y)
    g = frames[-1]["grid"]
    assert len(frames[-1]["boundary"]) == 4 * ((g * g + 2) // 3)  # base64 of grid × grid bytes


def test_selected_unit_and_its_gradients_are_the_library(client, tmp_path):
    sid = new_session(client, layers=[5, 3], hidden_activation="relu", initialization="he", learning_rate=0.1)
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 50})
    model = download_model(client, sid, tmp_path)
    X, Y = datasets.planar_flower()
    AL, caches = model_forward(X, model.parameters_, "relu", "sigmoid")
    grads = model_backward(AL, Y, caches, "relu", "sigmoid")
    for layer, j in ((1, 4), (2, 0), (3, 0)):
        u = client.get(f"/api/sessions/{sid}/units/{layer}/{j}").json()
        assert u["w"] == model.parameters_[f"W{layer}"][j].tolist()
        assert u["b"] == model.parameters_[f"b{layer}"][j, 0]
        assert u["dw"] == grads[f"dW{layer}"][j].tolist()
        assert u["db"] == grads[f"db{layer}"][j, 0]
    for path, fragment in (("units/0/0", "an int in [1, 3]"), ("units/1/5", "an int in [0, 4]"),
                           ("units/x/0", "must be an int")):
        r = client.get(f"/api/sessions/{sid}/{path}")
        assert r.status_code == 400 and fragment in r.json()["error"]


def test_selecting_a_unit_puts_it_in_the_frames(client):
    sid = new_session(client)
    with client.websocket_connect(f"{WS}/api/sessions/{sid}/stream") as ws:
        [json.loads(ws.receive_text()) for _ in range(2)]
        ws.send_text(json.dumps({"type": "select", "layer": 9, "unit": 0}))
        assert "an int in [1, 2]" in json.loads(ws.receive_text())["error"]
        ws.send_text('{"type": "ack"}')
        ws.send_text(json.dumps({"type": "select", "layer": 1, "unit": 3}))
        frame = json.loads(ws.receive_text())
    assert frame["unit"]["layer"] == 1 and frame["unit"]["unit"] == 3 and len(frame["unit"]["w"]) == 2


# ---------------------------------------------------------------------------------------------
# play, pause, reset, settings, divergence
# ---------------------------------------------------------------------------------------------


def test_reset_and_settings_changes(client):
    sid = new_session(client, num_iterations=100)
    assert client.post(f"/api/sessions/{sid}/step", json={"iterations": 10}).json()["iteration"] == 10
    assert client.post(f"/api/sessions/{sid}/reset").json()["iteration"] == 0
    assert client.get(f"/api/sessions/{sid}/history").json()["costs"] == []
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 100})
    assert client.get(f"/api/sessions/{sid}").json()["state"] == "finished"
    r = client.post(f"/api/sessions/{sid}/play")
    assert r.status_code == 409 and "finished its 100 iterations" in r.json()["error"]
    # More iterations: the run goes on from where it is.
    state = client.put(f"/api/sessions/{sid}/settings", json={"num_iterations": 150}).json()
    assert (state["state"], state["iteration"]) == ("paused", 100)
    assert client.post(f"/api/sessions/{sid}/step", json={"iterations": 1000}).json()["iteration"] == 150
    # The display's settings do not restart it; the network's and the data's do.
    assert client.put(f"/api/sessions/{sid}/settings", json={"grid": 40, "speed": 500}).json()["iteration"] == 150
    assert client.put(f"/api/sessions/{sid}/settings", json={"learning_rate": 0.5}).json()["iteration"] == 0
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 5})
    state = client.put(f"/api/sessions/{sid}/settings", json={"dataset": "moons"}).json()
    assert state["iteration"] == 0 and state["settings"]["m"] == 200 and state["settings"]["noise"] == 0.2
    assert client.post(f"/api/sessions/{sid}/pause").json()["state"] == "paused"


@pytest.mark.parametrize("extra, kept", [
    ({}, 1),                 # full-batch gradient descent: the library keeps θ(i - 1)
    ({"batch_size": 40}, 0),  # mini-batches: the parameters at the start of the failing epoch i
])
def test_divergence_stops_with_the_library_message(client, tmp_path, monkeypatch, extra, kept):
    # One BLAS thread for both runs: with the 'auto' policy the page's fit and this one may pick
    # different thread counts on a busy machine, and the costs on the way to overflow then differ
    # in their last bits (and so the messages that quote them).
    monkeypatch.setenv("DENSEFLOW_NUM_THREADS", "1")
    settings = {"layers": [50, 50, 50], "hidden_activation": "relu", "initialization": "he", "learning_rate": 1e10}
    sid = new_session(client, **settings, **extra)
    state = client.post(f"/api/sessions/{sid}/step", json={"iterations": 100}).json()
    X, Y = datasets.planar_flower()
    with pytest.raises(TrainingDivergedError) as info:
        DeepNetwork([2, 50, 50, 50, 1], hidden_activation="relu", initialization="he", learning_rate=1e10,
                    num_iterations=100, seed=2, course=True, **extra).fit(X, Y)
    assert state["state"] == "diverged" and state["error"] == str(info.value)
    assert state["iteration"] == info.value.iteration - kept
    r = client.post(f"/api/sessions/{sid}/step", json={"iterations": 1})
    assert r.status_code == 409 and str(info.value) in r.json()["error"]
    if state["iteration"]:
        page = download_model(client, sid, tmp_path)
        assert same_parameters(page.parameters_, info.value.result.parameters)
    else:  # diverged in the first epoch: nothing fitted to hand back
        assert client.get(f"/api/sessions/{sid}/model.npz").status_code == 409
    assert client.post(f"/api/sessions/{sid}/reset").json()["state"] == "paused"


def test_mini_batches_count_epochs_and_a_cosine_run_restarts_on_a_new_length(client):
    sid = new_session(client, batch_size=100, num_iterations=20)
    state = client.post(f"/api/sessions/{sid}/step", json={"iterations": 5}).json()
    assert state["step_unit"] == "epoch" and state["iteration"] == 5
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["unit"] == "epoch" and history["iterations"] == [0, 1, 2, 3, 4]
    assert len(history["learning_rates"]) == 5
    # A constant α: a longer run goes on from where it is.
    assert client.put(f"/api/sessions/{sid}/settings", json={"num_iterations": 30}).json()["iteration"] == 5
    # Cosine: α_t depends on the run's length, so another length is another run (from epoch 0).
    client.put(f"/api/sessions/{sid}/settings", json={"learning_rate_schedule": "cosine"})
    assert client.post(f"/api/sessions/{sid}/step", json={"iterations": 5}).json()["iteration"] == 5
    assert client.put(f"/api/sessions/{sid}/settings", json={"num_iterations": 40}).json()["iteration"] == 0
    assert client.get(f"/api/sessions/{sid}").json()["step_unit"] == "epoch"
    # Full batch again: iterations.
    assert client.put(f"/api/sessions/{sid}/settings", json={"batch_size": None}).json()["step_unit"] == "iteration"


def test_downloads(client):
    sid = new_session(client, dataset="xor")
    r = client.get(f"/api/sessions/{sid}/model.npz")
    assert r.status_code == 409 and "has not made any iteration" in r.json()["error"]
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 20})
    for name in ("cost.png", "decision_boundary.png"):
        r = client.get(f"/api/sessions/{sid}/{name}")
        assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n" and len(r.content) > 5000
    text = client.get(f"/api/sessions/{sid}/data.csv").text
    X, Y = xor()
    assert text.splitlines()[0] == "x1,x2,label" and len(text.splitlines()) == 201
    assert [float(v) for v in text.splitlines()[1].split(",")[:2]] == X[:, 0].tolist()
    assert client.get(f"/api/sessions/{sid}/weights.bin").status_code == 404


def test_csv_upload(client, tmp_path):
    sid = new_session(client)
    rows = "\n".join(f"{x1},{x2},{'yes' if x1 * x2 > 0 else 'no'}" for x1, x2 in
                     np.random.default_rng(0).uniform(-2, 2, (60, 2)).tolist())
    r = client.post(f"/api/sessions/{sid}/csv?name=my%20points.csv", content="a,b,answer\n" + rows,
                    headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    settings = r.json()["settings"]
    assert settings["dataset"] == "csv" and settings["standardize"] is True and settings["m"] is None
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 30})
    model = download_model(client, sid, tmp_path)
    assert model.class_names_ == ["no", "yes"] and model.input_mean_ is not None
    bad = [("a,b,c,label\n1,2,3,0\n4,5,6,1\n", "two feature columns"),
           ("x1,x2,label\n1,2,0\n3,4,1\n5,6,2\n", "must hold two classes"),
           ("x1,x2,label\n1,two,0\n3,4,1\n", "my_points.csv"),
           ("x1,x2,label\n" + "1,2,0\n" * 2001, "cap is 2000 points")]
    for text, fragment in bad:
        r = client.post(f"/api/sessions/{sid}/csv?name=my%20points.csv", content=text,
                        headers={"content-type": "text/csv"})
        assert r.status_code == 400 and fragment in r.json()["error"], r.text
    r = client.post(f"/api/sessions/{sid}/csv", content=b"\xff\xfe1,2,0", headers={"content-type": "text/csv"})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]


# ---------------------------------------------------------------------------------------------
# the command and the code hand the same run back
# ---------------------------------------------------------------------------------------------

HANDBACK = [
    pytest.param({}, 10000, id="planar-default"),
    pytest.param({"dataset": "circles", "test_fraction": 0.2, "layers": [6, 3], "hidden_activation": "leaky_relu",
                  "initialization": "scaled", "learning_rate": 0.7, "num_iterations": 400}, 400,
                 id="circles-test-split"),
    pytest.param({"dataset": "moons", "m": 150, "noise": 0.1, "data_seed": 4, "layers": [3],
                  "num_iterations": 300}, 250, id="moons-other-points-via-csv"),
    pytest.param({"dataset": "spiral", "layers": [8, 8], "hidden_activation": "tanh", "initialization": "xavier",
                  "learning_rate": 0.3, "num_iterations": 200, "course": False}, 200, id="spiral-via-csv"),
    pytest.param({"dataset": "blobs", "layers": [], "learning_rate": 0.05, "standardize": True,
                  "initialization": "zeros", "num_iterations": 100}, 100, id="blobs-logistic-standardized"),
    pytest.param({"dataset": "moons", "test_fraction": 0.2, "layers": [8, 4], "hidden_activation": "relu",
                  "initialization": "he", "learning_rate": 0.01, "optimizer": "adam", "batch_size": 32, "lambd": 0.1,
                  "keep_prob": 0.8, "learning_rate_schedule": "step", "decay_rate": 0.5, "course": False,
                  "num_iterations": 30}, 20, id="moons-adam-minibatch-l2-dropout-step"),
    pytest.param({"layers": [4], "optimizer": "momentum", "batch_size": 50, "keep_prob": 0.9,
                  "learning_rate_schedule": "inverse_time", "decay_rate": 0.3, "num_iterations": 15}, 15,
                 id="planar-course-momentum-inverse-time"),
    pytest.param({"dataset": "spiral", "layers": [6], "optimizer": "rmsprop", "learning_rate": 0.01, "lambd": 0.2,
                  "learning_rate_schedule": "cosine", "num_iterations": 80, "course": False}, 80,
                 id="spiral-rmsprop-cosine-via-csv"),
]


@pytest.mark.parametrize("settings, iterations", HANDBACK)
def test_command_and_code_reproduce_the_run_bit_for_bit(client, tmp_path, monkeypatch, capsys, settings, iterations):
    from denseflow.cli import main

    sid = new_session(client, **settings)
    client.post(f"/api/sessions/{sid}/step", json={"iterations": iterations})
    page = download_model(client, sid, tmp_path)
    handback = client.get(f"/api/sessions/{sid}/reproduce").json()
    assert handback["iterations"] == iterations
    monkeypatch.chdir(tmp_path)
    if handback["data_file"]:
        (tmp_path / handback["data_file"]).write_bytes(client.get(f"/api/sessions/{sid}/data.csv").content)
    argv = shlex.split(handback["command"])
    assert argv[:2] == ["denseflow", "train"]
    assert main(argv[1:] + ["--out", "run", "--quiet"]) == 0
    cli = denseflow.load(tmp_path / "run" / "model.npz")
    assert same_parameters(cli.parameters_, page.parameters_)
    assert cli.history_.to_dict() == page.history_.to_dict()
    assert cli.get_config() == page.get_config()
    namespace = {}
    exec(compile(handback["snippet"], "snippet", "exec"), namespace)  # noqa: S102 - the page's own code
    assert same_parameters(namespace["model"].parameters_, page.parameters_)
    assert namespace["history"].costs == page.history_.costs
    assert "training accuracy" in capsys.readouterr().out


def test_uploaded_csv_command_reads_the_uploaded_file(client, tmp_path, monkeypatch):
    from denseflow.cli import main

    text = "x,y,kind\n" + "\n".join(f"{a!r},{b!r},{'cat' if a > b else 'dog'}" for a, b in
                                    np.random.default_rng(5).normal(size=(80, 2)).tolist()) + "\n"
    sid = new_session(client, layers=[4], num_iterations=150)
    assert client.post(f"/api/sessions/{sid}/csv?name=pets.csv", content=text,
                       headers={"content-type": "text/csv"}).status_code == 200
    client.post(f"/api/sessions/{sid}/step", json={"iterations": 150})
    page = download_model(client, sid, tmp_path)
    handback = client.get(f"/api/sessions/{sid}/reproduce").json()
    assert handback["data_file"] == "pets.csv" and "--data pets.csv --standardize" in handback["command"]
    assert client.get(f"/api/sessions/{sid}/data.csv").text == text
    (tmp_path / "pets.csv").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(handback["command"])[1:] + ["--out", "run", "--quiet"]) == 0
    cli = denseflow.load(tmp_path / "run" / "model.npz")
    assert same_parameters(cli.parameters_, page.parameters_) and cli.class_names_ == page.class_names_ == ["cat", "dog"]


# ---------------------------------------------------------------------------------------------
# the process
# ---------------------------------------------------------------------------------------------


def test_import_denseflow_does_not_load_the_web_stack():
    code = ("import sys, denseflow; denseflow.models; denseflow.datasets; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'websockets', 'anyio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_ctrl_c_stops_the_server_cleanly_with_a_page_open():
    from websockets.sync.client import connect

    code = "from denseflow.playground import serve; serve('127.0.0.1', 0, open_browser=False)"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("denseflow playground: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[2]
        import urllib.request

        request = urllib.request.Request(url + "api/sessions", data=b'{"num_iterations": 100000, "layers": [50, 50]}',
                                         headers={"content-type": "application/json"}, method="POST")
        sid = json.loads(urllib.request.urlopen(request, timeout=30).read())["id"]
        with connect(url.replace("http", "ws") + f"api/sessions/{sid}/stream", open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "reset"
            play = urllib.request.Request(url + f"api/sessions/{sid}/play", data=b"", method="POST")
            assert json.loads(urllib.request.urlopen(play, timeout=30).read())["state"] == "running"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        out, err = proc.communicate(timeout=5)
        assert "denseflow playground: stopped." in out
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_static_files_are_served_and_licensed(client):
    page = client.get("/")
    assert page.status_code == 200 and "denseflow playground" in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # nothing from elsewhere
    for path in ("/static/app.js", "/static/style.css", "/static/vendor/uplot/uPlot.iife.min.js",
                 "/static/vendor/uplot/uPlot.min.css"):
        assert client.get(path).status_code == 200, path
    static = Path(denseflow.__file__).parent / "playground" / "static"
    assert "MIT License" in (static / "vendor" / "uplot" / "LICENSE").read_text()
    assert "content-security-policy" in page.headers and "frame-ancestors 'none'" in page.headers[
        "content-security-policy"]


def test_idle_sessions_without_a_page_end(client, monkeypatch):
    from denseflow.playground import sessions

    idle, training = new_session(client), new_session(client, num_iterations=100_000, layers=[50, 50])
    assert client.post(f"/api/sessions/{training}/play").json()["state"] == "running"
    monkeypatch.setattr(sessions, "ORPHAN_SECONDS", 0.0)
    client.portal.call(client.app.state.registry.reap)
    assert client.get(f"/api/sessions/{idle}").status_code == 404
    assert client.get(f"/api/sessions/{training}").json()["state"] == "running"
    client.post(f"/api/sessions/{training}/pause")


@pytest.mark.parametrize("host, value, ok", [
    ("127.0.0.1", f"[::1]:{PORT}", True),
    ("127.0.0.1", f"127.0.0.1:{PORT}", True),
    ("127.0.0.1", f"192.168.1.20:{PORT}", False),
    ("127.0.0.1", "127.0.0.1", False),
    ("127.0.0.1", f"127.0.0.1:{PORT}:1", False),
    ("127.0.0.1", "[::1", False),
    ("::", f"[fe80::1]:{PORT}", True),
    ("my-laptop.local", f"my-laptop.local:{PORT}", True),
    ("my-laptop.local", f"other.local:{PORT}", False),
])
def test_host_policy(host, value, ok):
    from denseflow.playground.guard import HostPolicy

    assert HostPolicy(host, PORT).host_ok(value) is ok
