/* denseflow playground: the page. The server trains (the library itself); this file draws.
 *
 * One session per tab: created on load (POST /api/sessions), streamed over a WebSocket
 * (/api/sessions/ID/stream): "reset" messages carry the data and the layers, "frame" messages
 * the new costs, heat maps (bytes, base64), weights and predictions. Each frame is answered
 * with {"type": "ack"} once drawn. Commands are plain JSON requests; a bad setting comes back
 * as a 4xx answer whose message is shown as it is.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const pg = {                 // the page's state (read by the end-to-end tests too)
    id: null, options: null, settings: null, dims: [], layers: [], dataset: null,
    frame: null, frames: 0, state: "connecting", timeline: [], costs: { x: [], train: [], test: [] },
    selected: null, unit: null, reproduction: null, socket: null, m: 0,
  };
  window.playground = pg;

  // ------------------------------------------------------------------ colours
  const ORANGE = [245, 147, 34], MID = [232, 234, 235], BLUE = [8, 119, 189];
  const LUT = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255, a = t < 0.5 ? ORANGE : MID, b = t < 0.5 ? MID : BLUE, u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
    for (let c = 0; c < 3; c++) LUT[i * 4 + c] = Math.round(a[c] + (b[c] - a[c]) * u);
    LUT[i * 4 + 3] = 255;
  }
  // The boundary's background is the same scale, lighter, so that the points stand out on it.
  const LIGHT_LUT = new Uint8ClampedArray(LUT.length);
  for (let i = 0; i < 256; i++) {
    for (let c = 0; c < 3; c++) LIGHT_LUT[i * 4 + c] = Math.round(0.7 * LUT[i * 4 + c] + 0.3 * 255);
    LIGHT_LUT[i * 4 + 3] = 255;
  }
  const CLASS_COLOUR = ["rgb(245,147,34)", "rgb(8,119,189)"];

  function decode(b64) {
    const s = atob(b64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function paint(canvas, bytes, res, lut) {
    lut = lut || LUT;
    if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(res, res);
    for (let i = 0; i < bytes.length; i++) img.data.set(lut.subarray(bytes[i] * 4, bytes[i] * 4 + 4), i * 4);
    ctx.putImageData(img, 0, 0);
  }

  // ------------------------------------------------------------------ messages and requests
  function showMessage(text) {
    const box = $("message");
    box.textContent = text || "";
    box.hidden = !text;
  }
  async function api(method, path, body, contentType) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = contentType || "application/json";
      init.body = contentType ? body : JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const isJson = (response.headers.get("content-type") || "").startsWith("application/json");
    const data = isJson ? await response.json() : await response.blob();
    if (!response.ok) {
      const error = new Error(isJson && data.error ? data.error : `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }
  const sessionPath = (tail) => `/api/sessions/${pg.id}${tail}`;
  async function command(method, tail, body, contentType) {
    try {
      const result = await api(method, sessionPath(tail), body, contentType);
      showMessage("");
      if (result && result.settings) applySettings(result.settings);
      return result;
    } catch (error) {
      showMessage(error.message);
      if (pg.settings) applySettings(pg.settings);   // the controls show what the server has
      return null;
    }
  }
  const changeSettings = (changes) => command("PUT", "/settings", changes);

  // ------------------------------------------------------------------ controls
  function fillSelect(select, items) {
    select.textContent = "";
    for (const item of items) {
      const option = document.createElement("option");
      option.value = item.value; option.textContent = item.label;
      if (item.title) option.title = item.title;
      select.appendChild(option);
    }
  }
  function setValue(id, value) {
    const el = $(id);
    if (el === document.activeElement && el.tagName === "INPUT" && el.type !== "checkbox") return;
    if (el.type === "checkbox") el.checked = !!value; else el.value = value === null || value === undefined ? "" : value;
  }
  function applySettings(s) {
    pg.settings = s;
    setValue("dataset", s.dataset);
    setValue("m", s.m); $("m").disabled = s.m === null;
    $("m").step = s.dataset === "planar" ? 2 : 1;
    setValue("noise", s.noise); $("noise").disabled = s.noise === null;
    $("noise").title = s.noise === null ? "this data set's generator has no noise parameter" : "";
    setValue("data-seed", s.data_seed); $("data-seed").disabled = s.data_seed === null;
    setValue("test-fraction", Math.round(s.test_fraction * 1000) / 10);
    setValue("standardize", s.standardize);
    setValue("activation", s.hidden_activation); $("activation").disabled = s.layers.length === 0;
    setValue("initialization", s.initialization);
    setValue("learning-rate", s.learning_rate);
    setValue("iterations", s.num_iterations);
    setValue("seed", s.seed);
    setValue("course", s.course);
    setValue("optimizer", s.optimizer);
    setValue("batch-size", s.batch_size === null ? "full" : s.batch_size);
    setValue("lambd", s.lambd);
    setValue("keep-prob", s.keep_prob); $("keep-prob").disabled = s.layers.length === 0;
    setValue("schedule", s.learning_rate_schedule);
    setValue("decay-rate", s.decay_rate); $("decay-rate").disabled = s.learning_rate_schedule === "constant";
    const unit = s.batch_size === null ? "iteration" : "epoch";
    $("unit-label").textContent = unit;
    $("iterations-label").textContent = `${unit}s`;
    $("step-size").title = `${unit}s per step`;
    if (pg.unitShown !== unit) { pg.unitShown = unit; buildChart(); }
    setValue("speed", s.speed === null ? "" : String(s.speed));
    $("target").textContent = s.num_iterations.toLocaleString("en");
    const n = s.layers.length;
    $("layer-count").textContent = n === 0 ? "no hidden layer (logistic regression)" : `${n} hidden layer${n > 1 ? "s" : ""}`;
    $("add-layer").disabled = n >= pg.options.caps.hidden_layers;
    $("remove-layer").disabled = n === 0;
  }
  function numberOrRaw(el) {
    if (el.value.trim() === "") return null;
    const v = Number(el.value);
    return Number.isFinite(v) ? v : el.value;
  }
  function bindControls() {
    const o = pg.options;
    fillSelect($("dataset"), o.datasets.map((d) => ({ value: d.name, label: d.label })));
    fillSelect($("activation"), o.activations.map((a) => ({ value: a, label: a })));
    fillSelect($("initialization"), o.initializers.map((i) => ({ value: i.name, label: i.name, title: i.description })));
    fillSelect($("optimizer"), o.optimizers.map((name) => ({ value: name, label: name })));
    fillSelect($("schedule"), o.schedules.map((name) => ({ value: name, label: name })));
    $("dataset").addEventListener("change", (e) => {
      if (e.target.value === "csv") { $("csv-file").click(); applySettings(pg.settings); return; }
      changeSettings({ dataset: e.target.value });
    });
    const numeric = { m: "m", noise: "noise", "data-seed": "data_seed", "learning-rate": "learning_rate",
                      iterations: "num_iterations", seed: "seed", lambd: "lambd", "keep-prob": "keep_prob",
                      "decay-rate": "decay_rate" };
    for (const [id, key] of Object.entries(numeric)) {
      $(id).addEventListener("change", (e) => changeSettings({ [key]: numberOrRaw(e.target) }));
    }
    $("test-fraction").addEventListener("change", (e) => {
      const v = numberOrRaw(e.target);
      changeSettings({ test_fraction: typeof v === "number" ? v / 100 : v });
    });
    $("standardize").addEventListener("change", (e) => changeSettings({ standardize: e.target.checked }));
    $("course").addEventListener("change", (e) => changeSettings({ course: e.target.checked }));
    $("optimizer").addEventListener("change", (e) => changeSettings({ optimizer: e.target.value }));
    $("schedule").addEventListener("change", (e) => changeSettings({ learning_rate_schedule: e.target.value }));
    $("batch-size").addEventListener("change", (e) => {   // "full" (or nothing): full batch
      const text = e.target.value.trim().toLowerCase();
      changeSettings({ batch_size: text === "" || text === "full" ? null : numberOrRaw(e.target) });
    });
    $("activation").addEventListener("change", (e) => changeSettings({ hidden_activation: e.target.value }));
    $("initialization").addEventListener("change", (e) => changeSettings({ initialization: e.target.value }));
    $("speed").addEventListener("change", (e) => changeSettings({ speed: e.target.value === "" ? null : Number(e.target.value) }));
    $("add-layer").addEventListener("click", () => {
      const layers = pg.settings.layers.slice();
      layers.push(layers.length ? layers[layers.length - 1] : 4);
      changeSettings({ layers });
    });
    $("remove-layer").addEventListener("click", () => changeSettings({ layers: pg.settings.layers.slice(0, -1) }));
    $("csv-file").addEventListener("change", async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      const text = await file.text();
      await command("POST", `/csv?name=${encodeURIComponent(file.name)}`, text, "text/csv");
      e.target.value = "";
    });
    $("play").addEventListener("click", () => command("POST", pg.state === "running" ? "/pause" : "/play"));
    $("step").addEventListener("click", () => command("POST", "/step", { iterations: Number($("step-size").value) }));
    $("reset").addEventListener("click", () => command("POST", "/reset"));
    document.addEventListener("keydown", (e) => {
      if (e.code === "Space" && !["INPUT", "SELECT", "BUTTON", "TEXTAREA"].includes(document.activeElement.tagName)) {
        e.preventDefault(); $("play").click();
      }
    });
    $("log-scale").addEventListener("change", () => buildChart());
    for (const button of document.querySelectorAll(".downloads button[data-file]")) {
      button.addEventListener("click", () => download(button.dataset.file));
    }
    $("download-page-png").addEventListener("click", () => {
      $("boundary").toBlob((blob) => saveBlob(blob, "playground_boundary.png"));
    });
    for (const button of document.querySelectorAll("button.copy")) {
      button.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText($(button.dataset.copy).textContent));
    }
  }
  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  async function download(file) {
    try {
      const blob = await api("GET", sessionPath(`/${file}`));
      showMessage("");
      const name = file === "data.csv" && pg.reproduction && pg.reproduction.data_file ? pg.reproduction.data_file : file;
      saveBlob(blob, name);
    } catch (error) { showMessage(error.message); }
  }

  // ------------------------------------------------------------------ the network
  const geometry = { size: 40, columns: [], rows: [] };
  function buildNetwork() {
    const box = $("network"), dims = pg.dims, L = dims.length - 1;
    for (const el of box.querySelectorAll(".unit, .layer-head")) el.remove();
    const width = Math.max(380, box.clientWidth || 480), maxUnits = Math.max(...dims);
    const size = Math.max(12, Math.min(40, Math.floor(420 / (maxUnits * 1.3))));
    const gap = Math.round(size * 0.3), top = 44, height = top + maxUnits * (size + gap);
    box.style.height = `${height}px`;
    const edges = $("edges");
    edges.width = width; edges.height = height;
    edges.style.width = `${width}px`; edges.style.height = `${height}px`;
    geometry.size = size; geometry.columns = []; geometry.rows = [];
    for (let l = 0; l <= L; l++) {
      const x = Math.round(8 + (width - size - 16) * (L === 0 ? 0 : l / L));
      geometry.columns.push(x);
      const n = dims[l], y0 = top + ((maxUnits - n) * (size + gap)) / 2, ys = [];
      const head = document.createElement("div");
      head.className = "layer-head";
      head.style.left = `${x - 20}px`; head.style.width = `${size + 40}px`;
      if (l > 0 && l < L) {
        const minus = document.createElement("button"), plus = document.createElement("button");
        minus.type = plus.type = "button"; minus.textContent = "−"; plus.textContent = "+";
        minus.className = "remove-unit"; plus.className = "add-unit";
        minus.dataset.layer = plus.dataset.layer = String(l);
        minus.title = "one unit less"; plus.title = "one unit more";
        minus.disabled = n <= 1; plus.disabled = n >= pg.options.caps.units;
        minus.addEventListener("click", () => resizeLayer(l, -1));
        plus.addEventListener("click", () => resizeLayer(l, +1));
        head.append(minus, plus);
      }
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = l === 0 ? "input" : l === L ? "output" : `${n} units`;
      head.appendChild(count);
      box.appendChild(head);
      for (let j = 0; j < n; j++) {
        const y = Math.round(y0 + j * (size + gap));
        ys.push(y);
        const unit = document.createElement("canvas");
        unit.className = "unit" + (l === 0 ? " input" : "");
        unit.dataset.layer = String(l); unit.dataset.unit = String(j);
        unit.width = unit.height = 8;
        unit.style.left = `${x}px`; unit.style.top = `${y}px`;
        unit.style.width = unit.style.height = `${size}px`;
        unit.title = l === 0 ? `x${j + 1}` : `layer ${l}, unit ${j}`;
        if (l > 0) unit.addEventListener("click", () => selectUnit(l, j));
        box.appendChild(unit);
      }
      geometry.rows.push(ys);
    }
  }
  function resizeLayer(l, delta) {
    const layers = pg.settings.layers.slice();
    layers[l - 1] = Math.max(1, layers[l - 1] + delta);
    changeSettings({ layers });
  }
  function drawEdges(weights) {
    const canvas = $("edges"), ctx = canvas.getContext("2d"), s = geometry.size, L = pg.dims.length - 1;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let l = 1; l <= L; l++) {
      const W = weights[`W${l}`], x0 = geometry.columns[l - 1] + s, x1 = geometry.columns[l];
      for (let j = 0; j < W.length; j++) {
        for (let k = 0; k < W[j].length; k++) {
          const w = W[j][k], a = Math.abs(w);
          ctx.strokeStyle = w >= 0 ? `rgba(8,119,189,${Math.min(1, 0.25 + a)})` : `rgba(245,147,34,${Math.min(1, 0.25 + a)})`;
          ctx.lineWidth = Math.min(6, 0.5 + 2.5 * a);
          ctx.beginPath();
          ctx.moveTo(x0, geometry.rows[l - 1][k] + s / 2);
          ctx.lineTo(x1, geometry.rows[l][j] + s / 2);
          ctx.stroke();
        }
      }
    }
  }
  function drawUnits(frame) {
    const canvases = $("network").querySelectorAll("canvas.unit");
    for (const c of canvases) {
      const l = Number(c.dataset.layer), j = Number(c.dataset.unit);
      const maps = frame.units[l];
      if (maps && maps[j]) paint(c, decode(maps[j]), frame.unit_res);
      c.classList.toggle("selected", !!pg.selected && pg.selected[0] === l && pg.selected[1] === j);
      if (l > 0) c.title = `layer ${l}, unit ${j}: max |A| = ${frame.unit_scale[l][j].toPrecision(3)}`;
    }
  }
  async function selectUnit(l, j) {
    pg.selected = [l, j];
    if (pg.socket && pg.socket.readyState === WebSocket.OPEN) pg.socket.send(JSON.stringify({ type: "select", layer: l, unit: j }));
    try { showUnit(await api("GET", sessionPath(`/units/${l}/${j}`))); } catch (error) { showMessage(error.message); }
    if (pg.frame) drawUnits(pg.frame);
  }

  // ------------------------------------------------------------------ the boundary
  const offscreen = document.createElement("canvas");
  function drawBoundary(frame) {
    const canvas = $("boundary"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    paint(offscreen, decode(frame.boundary), frame.grid, LIGHT_LUT);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(offscreen, 0, 0, W, H);
    const d = pg.dataset, [x0, x1, y0, y1] = d.bounds;
    const px = (x) => ((x - x0) / (x1 - x0)) * W, py = (y) => ((y1 - y) / (y1 - y0)) * H;
    const drawPoints = (X, Y, predictions, test) => {
      if (!X) return;
      for (let i = 0; i < Y.length; i++) {
        const wrong = predictions && Number(predictions[i]) !== Y[i];
        ctx.beginPath();
        ctx.arc(px(X[0][i]), py(X[1][i]), 4, 0, 2 * Math.PI);
        ctx.fillStyle = CLASS_COLOUR[Y[i]];
        ctx.fill();
        ctx.lineWidth = wrong ? 2 : 1;
        ctx.strokeStyle = wrong ? "#000" : test ? "#333" : "#fff";
        ctx.stroke();
      }
    };
    drawPoints(d.X, d.Y, frame.predictions, false);
    drawPoints(d.X_test, d.Y_test, frame.test_predictions, true);
  }

  // ------------------------------------------------------------------ the cost curve
  let chart = null;
  function unitName() { return pg.settings && pg.settings.batch_size !== null ? "epoch" : "iteration"; }
  function buildChart() {
    const box = $("cost-chart");
    if (chart) { chart.destroy(); chart = null; }
    if (typeof uPlot === "undefined") return;
    const log = $("log-scale").checked;
    chart = new uPlot({
      width: Math.max(300, box.clientWidth || 360), height: 200,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [{ label: unitName() }, { label: "cost J", size: 60 }],
      series: [{ label: unitName() }, { label: "training", stroke: "#0877bd", width: 1.5 },
               { label: "test", stroke: "#f59322", width: 1.5 }],
      legend: { live: false },
    }, chartData(), box);
  }
  // At most about 3000 points are drawn (every k-th record, and the last): drawing 100,000 at
  // every frame would slow the page, and the curve looks the same.
  function chartData() {
    const c = pg.costs, n = c.x.length, k = Math.max(1, Math.ceil(n / 3000));
    if (k === 1) return [c.x, c.train, c.test];
    const x = [], train = [], test = [];
    for (let i = 0; i < n; i += k) { x.push(c.x[i]); train.push(c.train[i]); test.push(c.test[i]); }
    if ((n - 1) % k) { x.push(c.x[n - 1]); train.push(c.train[n - 1]); test.push(c.test[n - 1]); }
    return [x, train, test];
  }
  function appendCosts(c) {
    const costs = pg.costs;
    if (c.start !== costs.x.length) return;   // a reset message always comes first; never mix runs
    for (let i = 0; i < c.train.length; i++) {
      costs.x.push(c.start + i);
      costs.train.push(c.train[i]);
      costs.test.push(c.test.length ? c.test[i] : null);
    }
  }

  // ------------------------------------------------------------------ the course's view
  const SUP = (s) => `<sup>[${s}]</sup>`;
  const SUPI = (s) => `<sup>[${s}](i)</sup>`;
  const GPRIME = {
    tanh: `1 − (A${SUP("l")})<sup>2</sup>`, relu: `1{Z${SUP("l")} &gt; 0}`, sigmoid: `A${SUP("l")} ⊙ (1 − A${SUP("l")})`,
    leaky_relu: `1 if Z${SUP("l")} &gt; 0, else 0.01`, identity: "1", linear: "1",
  };
  const shape = (r, c) => `<span class="shape">(${r}, ${c})</span>`;
  function buildCourseView() {
    const m = pg.m, L = pg.dims.length - 1, act = pg.settings.hidden_activation;
    $("shape-note").textContent = `m = ${m} training examples, one per column: X = A[0] has shape (2, ${m}), Y (1, ${m}). ` +
      `L = ${L} layer${L > 1 ? "s" : ""} with weights.`;
    let rows = "<tr><th>l</th><th>n[l]</th><th>g[l]</th><th>W[l]</th><th>b[l]</th><th>Z[l], A[l]</th><th>dW[l]</th><th>db[l]</th>" +
      "<th>forward</th><th>backward</th></tr>";
    for (const layer of pg.layers) {
      const l = layer.l, n = layer.n, p = layer.n_prev, out = l === L;
      const forward = `Z${SUP(l)} = W${SUP(l)} A${SUP(l - 1)} + b${SUP(l)} ${shape(n, m)}<br>A${SUP(l)} = ${out ? "σ" : layer.activation}(Z${SUP(l)})`;
      const dz = out ? `dZ${SUP(l)} = A${SUP(l)} − Y` :
        `dA${SUP(l)} = W${SUP(l + 1)}<sup>T</sup> dZ${SUP(l + 1)}<br>dZ${SUP(l)} = dA${SUP(l)} ⊙ g′(Z${SUP(l)})`;
      const backward = `${dz} ${shape(n, m)}<br>dW${SUP(l)} = (1/m) dZ${SUP(l)} A${SUP(l - 1)}<sup>T</sup>` +
        `<br>db${SUP(l)} = (1/m) Σ<sub>i</sub> dZ${SUP(l)}<sup>(i)</sup>`;
      rows += `<tr><td>${l}</td><td>${n}</td><td>${out ? "sigmoid" : layer.activation}</td><td>${shape(n, p)}</td>` +
        `<td>${shape(n, 1)}</td><td>${shape(n, m)}</td><td>${shape(n, p)}</td><td>${shape(n, 1)}</td>` +
        `<td class="math">${forward}</td><td class="math">${backward}</td></tr>`;
    }
    $("layers-table").innerHTML = rows;
    const gp = GPRIME[act] || "g′";
    $("formulas").innerHTML =
      `<div><h4>forward, l = 1 … L</h4>A${SUP(0)} = X; Z${SUP("l")} = W${SUP("l")} A${SUP("l−1")} + b${SUP("l")}; ` +
      `A${SUP("l")} = g${SUP("l")}(Z${SUP("l")}); ŷ = A${SUP("L")} = σ(Z${SUP("L")})</div>` +
      `<div><h4>cost</h4>J = −(1/m) Σ<sub>i</sub> [ y<sup>(i)</sup> log a${SUPI("L")} + (1 − y<sup>(i)</sup>) log(1 − a${SUPI("L")}) ]</div>` +
      `<div><h4>backward, l = L … 1</h4>dZ${SUP("L")} = A${SUP("L")} − Y (sigmoid with cross-entropy); ` +
      `dZ${SUP("l")} = dA${SUP("l")} ⊙ g′(Z${SUP("l")}), g′ = ${pg.dims.length > 2 ? gp : "—"}; ` +
      `dW${SUP("l")} = (1/m) dZ${SUP("l")} A${SUP("l−1")}<sup>T</sup>; db${SUP("l")} = (1/m) Σ<sub>i</sub> dZ${SUPI("l")}; ` +
      `dA${SUP("l−1")} = W${SUP("l")}<sup>T</sup> dZ${SUP("l")}</div>` +
      updateFormulas(pg.settings);
  }
  // The update of the optimizer in use (the second course's names), with L2, dropout and the schedule.
  function updateFormulas(s) {
    const W = `W${SUP("l")}`, dW = `dW${SUP("l")}`;
    const rules = {
      gd: ["gradient descent", `${W} := ${W} − α ${dW} (and b${SUP("l")} with db${SUP("l")})`],
      momentum: ["momentum, β = 0.9", `v<sub>dW</sub> := β v<sub>dW</sub> + (1 − β) ${dW}; ${W} := ${W} − α v<sub>dW</sub>`],
      rmsprop: ["RMSprop, β = 0.999, ε = 10⁻⁸", `s<sub>dW</sub> := β s<sub>dW</sub> + (1 − β) ${dW}<sup>2</sup>; ` +
                `${W} := ${W} − α ${dW} / (√s<sub>dW</sub> + ε)`],
      adam: ["Adam, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸", `v := β₁ v + (1 − β₁) ${dW}; s := β₂ s + (1 − β₂) ${dW}<sup>2</sup>; ` +
             `v̂ = v / (1 − β₁<sup>t</sup>), ŝ = s / (1 − β₂<sup>t</sup>); ${W} := ${W} − α v̂ / (√ŝ + ε)`],
    };
    const [name, rule] = rules[s.optimizer] || rules.gd;
    const extra = [];
    if (s.batch_size !== null) extra.push(`mini-batches of ${s.batch_size} examples (m in the formulas: the batch's size), reshuffled every epoch`);
    if (s.lambd > 0) extra.push(`L2: J += (λ/2m) Σ<sub>l</sub> ‖${W}‖²; ${dW} += (λ/m) ${W}, λ = ${s.lambd}`);
    if (s.keep_prob < 1 && s.layers.length) extra.push(`dropout: D${SUP("l")} = 1{rand &lt; keep_prob}; A${SUP("l")} := A${SUP("l")} ⊙ D${SUP("l")} / keep_prob (hidden layers, training only), keep_prob = ${s.keep_prob}`);
    const alpha = s.learning_rate_schedule === "constant" ? `α = ${s.learning_rate}` :
      `α<sub>t</sub>: ${s.learning_rate_schedule} schedule from α₀ = ${s.learning_rate}` + (s.decay_rate === null ? "" : `, decay rate ${s.decay_rate}`);
    return `<div><h4>update (${name})</h4>${rule}, ${alpha}${extra.map((e) => `<br>${e}`).join("")}</div>`;
  }
  const fmt = (x) => (x === null || x === undefined ? "–" : Number(x).toPrecision(6));
  function showUnit(u) {
    pg.unit = u;
    const box = $("unit-detail");
    if (!u) { box.hidden = true; return; }
    const l = u.layer, j = u.unit;
    let rows = `<tr><th>k</th><th>W${SUP(l)}<sub>${j},k</sub></th><th>dW${SUP(l)}<sub>${j},k</sub></th></tr>`;
    u.w.forEach((w, k) => {
      rows += `<tr><td>${k}</td><td class="${w < 0 ? "neg" : "pos"}">${fmt(w)}</td><td>${fmt(u.dw[k])}</td></tr>`;
    });
    rows += `<tr><td>b</td><td>${fmt(u.b)}</td><td>${fmt(u.db)}</td></tr>`;
    const out = u.out ? `<p>outgoing weights W${SUP(l + 1)}<sub>:,${j}</sub>: ${u.out.map(fmt).join(", ")}</p>` : "";
    box.innerHTML = `<h3>Layer ${l}, unit ${j} (g = ${u.activation}), at iteration ${u.iteration}</h3>` +
      `<p class="note">a${SUP(l)}<sub>${j}</sub> = g(Σ<sub>k</sub> W${SUP(l)}<sub>${j},k</sub> a${SUP(l - 1)}<sub>k</sub> + b${SUP(l)}<sub>${j}</sub>). ` +
      `dW and db are ∂J/∂W and ∂J/∂b now: the next update subtracts α times them.</p>` +
      `<table id="unit-table">${rows}</table>${out}`;
    box.hidden = false;
  }

  // ------------------------------------------------------------------ hand back
  let reproducedAt = null;
  async function refreshReproduction() {
    const key = `${pg.frame ? pg.frame.iteration : 0}/${JSON.stringify(pg.settings)}`;
    if (key === reproducedAt) return;
    reproducedAt = key;
    try {
      const r = await api("GET", sessionPath("/reproduce"));
      pg.reproduction = r;
      $("command").textContent = r.command;
      $("snippet").textContent = r.snippet;
      const notes = $("notes");
      notes.textContent = "";
      for (const note of r.notes) { const li = document.createElement("li"); li.textContent = note; notes.appendChild(li); }
    } catch (error) { reproducedAt = null; }
  }

  // ------------------------------------------------------------------ the stream
  let frameTimes = [];
  function onReset(msg) {
    pg.dims = msg.dims; pg.layers = msg.layers; pg.dataset = msg.dataset; pg.m = msg.m;
    pg.costs = { x: [], train: [], test: [] };
    pg.timeline = [];
    applySettings(msg.settings);
    $("data-description").textContent = msg.dataset.description;
    if (pg.selected && (pg.selected[0] >= pg.dims.length || pg.selected[1] >= pg.dims[pg.selected[0]])) pg.selected = null;
    if (!pg.selected) showUnit(null);
    buildNetwork();
    buildCourseView();
    buildChart();
    reproducedAt = null;
  }
  function onFrame(f) {
    pg.frame = f; pg.frames += 1;
    if (pg.timeline.length < 10000) pg.timeline.push([performance.now(), f.iteration, f.state]);
    appendCosts(f.costs);
    pg.state = f.state;
    const state = $("state");
    state.textContent = f.state; state.className = `state ${f.state}`;
    $("play").textContent = f.state === "running" ? "⏸ pause" : "▶ play";
    $("play").disabled = f.state === "finished" || f.state === "diverged";
    $("step").disabled = $("play").disabled;
    $("iteration").textContent = f.iteration.toLocaleString("en");
    $("target").textContent = f.target.toLocaleString("en");
    $("cost").textContent = f.cost === null ? "–" : f.cost.toFixed(6);
    $("test-cost").textContent = f.test_cost === null ? "–" : f.test_cost.toFixed(6);
    $("train-accuracy").textContent = `${(100 * f.train_accuracy).toFixed(2)} %`;
    $("test-accuracy").textContent = f.test_accuracy === null ? "–" : `${(100 * f.test_accuracy).toFixed(2)} %`;
    if (f.error) showMessage(f.error);
    const verdict = $("verdict"), problems = f.problems || [];
    verdict.textContent = problems.join(" ");
    verdict.hidden = problems.length === 0;
    drawBoundary(f);
    drawUnits(f);
    drawEdges(f.weights);
    if (chart) chart.setData(chartData());
    if (f.unit) showUnit(f.unit);
    const now = performance.now();
    frameTimes.push(now);
    frameTimes = frameTimes.filter((t) => now - t < 1000);
    $("rate").textContent = f.state === "running"
      ? `${frameTimes.length} frames/s${f.speed ? `, ${Math.round(f.speed).toLocaleString("en")} it/s` : ""}` : "";
    if (f.state !== "running") refreshReproduction();
  }
  function connect() {
    const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${sessionPath("/stream")}`);
    pg.socket = socket;
    socket.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "reset") onReset(msg);
      else if (msg.type === "error") showMessage(msg.error);
      else if (msg.type === "frame") {
        onFrame(msg);
        requestAnimationFrame(() => { if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ack"}'); });
      }
    };
    socket.onopen = () => {
      if (pg.selected) socket.send(JSON.stringify({ type: "select", layer: pg.selected[0], unit: pg.selected[1] }));
    };
    socket.onclose = (event) => {
      pg.state = "closed";
      $("state").textContent = "disconnected"; $("state").className = "state closed";
      if (event.code !== 1000) showMessage(`The connection to the playground closed (${event.reason || "the server stopped"}). Reload the page to start again.`);
    };
  }
  window.addEventListener("beforeunload", () => { if (pg.socket) pg.socket.close(1000); });

  async function start() {
    try {
      pg.options = await api("GET", "/api/options");
      bindControls();
      const session = await api("POST", "/api/sessions", {});
      pg.id = session.id;
      applySettings(session.settings);
      connect();
    } catch (error) {
      showMessage(`The playground could not start: ${error.message}`);
    }
  }
  start();
})();
