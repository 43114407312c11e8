"""The playground in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium).

The page is opened on a real server (uvicorn in a thread), trained, edited and downloaded from
as a person would, and what it shows is checked against the library: the course's 90.75 %, the
cost history, the decision boundary, the downloaded model's predictions. The screenshot of the
finished planar run is written to docs/images/playground.png when that file is missing or when
DENSEFLOW_UPDATE_SCREENSHOTS=1.
"""

import io
import os
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

selenium = pytest.importorskip("selenium", reason="Selenium is not installed (pip install -e '.[test]')")
pytest.importorskip("starlette")
pytest.importorskip("sklearn")

from _polling import wait_for  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

import denseflow  # noqa: E402
from denseflow import datasets  # noqa: E402
from denseflow.models import ShallowNetwork  # noqa: E402
from denseflow.playground import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "images" / "playground.png"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium is not installed (apt-get install -y chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def server():
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app("127.0.0.1", port)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws_ping_interval=None))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert wait_for(lambda: srv.started, timeout=30)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1360,960", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def open_page(browser, server):
    browser.get_log("browser")  # what earlier tests left
    browser.get(server)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return window.playground && window.playground.frames"))
    return browser


def type_into(element, value):
    """Select the field's text, type ``value`` over it and leave the field (one change event)."""
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(value, Keys.TAB)


def js(browser, expression):
    return browser.execute_script(f"return {expression};")


def text(browser, element_id):
    return browser.find_element(By.ID, element_id).text


def wait_text(browser, element_id, expected, timeout=30):
    WebDriverWait(browser, timeout).until(lambda d: d.find_element(By.ID, element_id).text == expected)


def settle(browser):
    """Wait until the page has drawn the server's last frame for the current state (not running)."""
    WebDriverWait(browser, 30).until(lambda d: js(d, "window.playground.state") in ("paused", "finished", "diverged"))


def console_errors(browser):
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def colours(png_bytes):
    """RGB array (h, w, 3) of floats in [0, 1] from a PNG."""
    from matplotlib.image import imread

    return imread(io.BytesIO(png_bytes), format="png")[..., :3]


def test_page_trains_the_course_planar_network_to_90_75(browser, server, tmp_path):
    open_page(browser, server)
    browser.find_element(By.ID, "play").click()
    wait_text(browser, "state", "finished")
    assert text(browser, "train-accuracy") == "90.75 %"
    assert text(browser, "iteration") == "10,000"
    X, Y = datasets.planar_flower()
    model = ShallowNetwork(n_h=4, course=True, seed=2)
    model.fit(X, Y)
    assert js(browser, "window.playground.costs.train") == model.history_.costs
    assert text(browser, "cost") == f"{model.history_.final_cost:.6f}"
    assert js(browser, "window.playground.frame.predictions") == "".join(str(int(v)) for v in model.predict(X)[0])
    WebDriverWait(browser, 10).until(lambda d: "--iterations 10000" in d.find_element(By.ID, "command").text)
    assert text(browser, "command") == ("denseflow train --dataset planar --model shallow --layers 4 "
                                        "--hidden-activation tanh --init random --learning-rate 1.2 --iterations "
                                        "10000 --seed 2 --course")
    # The boundary as drawn: not blank, both classes' colours, and where it is orange or blue the
    # library predicts class 0 or 1.
    rgb = colours(browser.find_element(By.ID, "boundary").screenshot_as_png)
    h, w, _ = rgb.shape
    blue, orange = rgb[..., 2] - rgb[..., 0] > 0.15, rgb[..., 0] - rgb[..., 2] > 0.15
    assert blue.mean() > 0.2 and orange.mean() > 0.2 and rgb.std() > 0.1
    x0, x1, y0, y1 = js(browser, "window.playground.dataset.bounds")
    rows, cols = np.mgrid[4:h - 4:7, 4:w - 4:7]
    points = np.vstack([x0 + (cols.ravel() + 0.5) / w * (x1 - x0), y1 - (rows.ravel() + 0.5) / h * (y1 - y0)])
    predicted = model.predict(points)[0].astype(bool)
    seen_blue, seen_orange = blue[rows.ravel(), cols.ravel()], orange[rows.ravel(), cols.ravel()]
    decided = seen_blue | seen_orange
    agreement = np.mean(np.where(seen_blue, predicted, ~predicted)[decided])
    assert decided.mean() > 0.6 and agreement > 0.95, (decided.mean(), agreement)
    assert console_errors(browser) == []
    shot = browser.get_screenshot_as_png()
    assert colours(shot).std() > 0.1
    if os.environ.get("DENSEFLOW_UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        from denseflow.io import atomic_write

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(SCREENSHOT) as f:
            f.write(shot)


def test_layers_activation_step_pause_reset(browser, server):
    open_page(browser, server)
    Select(browser.find_element(By.ID, "activation")).select_by_value("relu")
    WebDriverWait(browser, 10).until(lambda d: js(d, "window.playground.settings.hidden_activation") == "relu")
    browser.find_element(By.ID, "add-layer").click()
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "canvas.unit")) == 2 + 4 + 4 + 1)
    browser.find_element(By.CSS_SELECTOR, '.add-unit[data-layer="2"]').click()
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "canvas.unit")) == 2 + 4 + 5 + 1)
    assert js(browser, "window.playground.dims") == [2, 4, 5, 1]
    table = browser.find_element(By.ID, "layers-table").text
    assert "relu" in table and "(5, 4)" in table and "(5, 400)" in table
    WebDriverWait(browser, 10).until(lambda d: "--model deep --layers 4,5 --hidden-activation relu"
                                     in d.find_element(By.ID, "command").text)
    # Step: one update, then a hundred.
    browser.find_element(By.ID, "step").click()
    wait_text(browser, "iteration", "1")
    Select(browser.find_element(By.ID, "step-size")).select_by_value("100")
    browser.find_element(By.ID, "step").click()
    wait_text(browser, "iteration", "101")
    assert len(js(browser, "window.playground.costs.train")) == 101
    # Play a long run, pause it, and it stays where it is.
    type_into(browser.find_element(By.ID, "iterations"), "100000")
    wait_text(browser, "target", "100,000")
    assert text(browser, "iteration") == "101"  # more iterations do not restart the run
    browser.find_element(By.ID, "play").click()
    WebDriverWait(browser, 20).until(lambda d: js(d, "window.playground.frame.iteration") > 2000)
    browser.find_element(By.ID, "play").click()  # now "pause"
    wait_text(browser, "state", "paused")
    paused_at = js(browser, "window.playground.frame.iteration")
    assert 2000 < paused_at < 100_000
    assert len(js(browser, "window.playground.costs.train")) == paused_at
    browser.find_element(By.ID, "step").click()  # paused exactly there: a step of 100 goes on from it
    wait_text(browser, "iteration", f"{paused_at + 100:,}")
    # Reset: iteration 0, an empty curve.
    browser.find_element(By.ID, "reset").click()
    wait_text(browser, "iteration", "0")
    assert js(browser, "window.playground.costs.train.length") == 0
    # A bad value: the library's message, and the control shows the server's value again.
    rate = browser.find_element(By.ID, "learning-rate")
    type_into(rate, "-1")
    wait_text(browser, "message", "The 'learning_rate' parameter of the playground must be a finite number > 0. "
                                  "Got -1 instead.")
    assert rate.get_attribute("value") == "1.2"
    errors = console_errors(browser)
    assert len(errors) == 1 and "/settings - Failed to load resource" in errors[0] and "400" in errors[0], errors


def test_downloaded_model_gives_the_page_predictions(browser, server, downloads):
    open_page(browser, server)
    Select(browser.find_element(By.ID, "dataset")).select_by_value("moons")
    WebDriverWait(browser, 20).until(lambda d: js(d, "window.playground.settings.dataset") == "moons")
    type_into(browser.find_element(By.ID, "test-fraction"), "20")
    WebDriverWait(browser, 10).until(lambda d: js(d, "window.playground.dataset.X_test") is not None)
    # The second course: Adam on mini-batches of 32 for 60 epochs, played to the end.
    assert browser.find_element(By.ID, "batch-size").get_attribute("value") == "full"
    type_into(browser.find_element(By.ID, "learning-rate"), "0.01")
    Select(browser.find_element(By.ID, "optimizer")).select_by_value("adam")
    type_into(browser.find_element(By.ID, "batch-size"), "32")
    type_into(browser.find_element(By.ID, "iterations"), "60")
    WebDriverWait(browser, 10).until(lambda d: js(d, "window.playground.settings.batch_size") == 32
                                     and js(d, "window.playground.settings.num_iterations") == 60)
    assert js(browser, "window.playground.settings.optimizer") == "adam"
    assert text(browser, "unit-label") == "epoch"
    browser.find_element(By.ID, "play").click()
    wait_text(browser, "state", "finished")
    assert text(browser, "iteration") == "60"
    X, Y = datasets.load_dataset("moons")
    X, Y, X_val, Y_val = datasets.train_val_split(X, Y, 0.2, seed=0)
    library = ShallowNetwork(n_h=4, hidden_activation="tanh", initialization="random", learning_rate=0.01,
                             num_iterations=60, seed=2, course=True, optimizer="adam", batch_size=32)
    library.fit(X, Y, X_val, Y_val)
    assert library.history_.unit == "epoch"
    assert js(browser, "window.playground.costs.train") == library.history_.costs
    assert text(browser, "cost") == f"{library.history_.final_cost:.6f}"
    WebDriverWait(browser, 10).until(lambda d: "--optimizer adam --batch-size 32"
                                     in d.find_element(By.ID, "command").text)
    browser.find_element(By.CSS_SELECTOR, 'canvas.unit[data-layer="1"][data-unit="2"]').click()
    WebDriverWait(browser, 10).until(lambda d: js(d, "window.playground.unit && window.playground.unit.layer") == 1)
    assert browser.find_element(By.ID, "unit-detail").is_displayed()
    for old in downloads.glob("model*.npz"):
        old.unlink()
    browser.find_element(By.ID, "download-model").click()
    assert wait_for(lambda: list(downloads.glob("model*.npz")) and not list(downloads.glob("*.crdownload")),
                    timeout=20)
    model = denseflow.load(next(downloads.glob("model*.npz")))
    page = js(browser, "window.playground")
    X, X_test = np.array(page["dataset"]["X"]), np.array(page["dataset"]["X_test"])
    assert "".join(str(int(v)) for v in model.predict(X)[0]) == page["frame"]["predictions"]
    assert "".join(str(int(v)) for v in model.predict(X_test)[0]) == page["frame"]["test_predictions"]
    assert model.accuracy(X, np.array([page["dataset"]["Y"]])) == page["frame"]["train_accuracy"]
    assert page["unit"]["w"] == model.parameters_["W1"][2].tolist()
    cells = browser.find_elements(By.CSS_SELECTOR, "#unit-table tr:nth-child(2) td")
    assert float(cells[1].text) == float(f"{model.parameters_['W1'][2, 0]:.6g}")
    assert console_errors(browser) == []
