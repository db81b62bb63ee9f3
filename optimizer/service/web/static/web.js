// srsopt's page: follow a running job's Server-Sent Events and draw objective and bound over
// time as two SVG polylines. Plain JavaScript, no library; without it the page still works
// (it shows the last progress and the status, and a reload shows more).
"use strict";
(function () {
  const section = document.getElementById("progress");
  const status = document.getElementById("job-status");
  if (!section || !status) return;
  const labels = JSON.parse(section.dataset.statusLabels || "{}");
  const lang = document.documentElement.lang || "ru";
  const numbers = new Intl.NumberFormat(lang, {maximumFractionDigits: 2, minimumFractionDigits: 2});
  const percent = new Intl.NumberFormat(lang, {style: "percent", maximumFractionDigits: 2, minimumFractionDigits: 2});
  const points = [];
  let offset = 0, previous = 0;  // a what-if solves case after case: their times follow on
  const box = {x: 60, y: 10, w: 560, h: 190};

  function finite(v) { return typeof v === "number" && isFinite(v); }
  function show(id, text) { const el = document.getElementById(id); if (el) el.textContent = text; }

  function draw() {
    const values = [];
    points.forEach(function (p) {
      if (finite(p.objective)) values.push(p.objective);
      if (finite(p.bound)) values.push(p.bound);
    });
    if (!values.length) return;
    let lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const tmax = Math.max(points[points.length - 1].t, 1e-3);
    function xy(t, v) {
      const x = box.x + box.w * (t / tmax);
      const y = box.y + box.h * (1 - (v - lo) / (hi - lo));
      return x.toFixed(1) + "," + y.toFixed(1);
    }
    ["objective", "bound"].forEach(function (key) {
      const line = points.filter(function (p) { return finite(p[key]); })
        .map(function (p) { return xy(p.t, p[key]); });
      document.getElementById("line-" + key).setAttribute("points", line.join(" "));
    });
    show("axis-top", numbers.format(hi));
    show("axis-bottom", numbers.format(lo));
    show("axis-right", numbers.format(tmax) + " s");
  }

  function progress(p) {
    if (finite(p.t)) {
      if (p.t < previous && points.length) offset = points[points.length - 1].t;
      previous = p.t;
      p = Object.assign({}, p, {t: offset + p.t});
    }
    points.push(p);
    if (finite(p.objective)) show("progress-objective", numbers.format(p.objective));
    if (finite(p.bound)) show("progress-bound", numbers.format(p.bound));
    if (finite(p.gap)) show("progress-gap", percent.format(p.gap));
    if (finite(p.t)) show("progress-time", numbers.format(p.t));
    section.dataset.points = String(points.length);
    draw();
  }

  const source = new EventSource(section.dataset.events);
  source.addEventListener("progress", function (e) { progress(JSON.parse(e.data)); });
  source.addEventListener("status", function (e) {
    const s = JSON.parse(e.data).status;
    status.textContent = labels[s] || s;
  });
  source.addEventListener("end", function () {
    source.close();
    if (status.dataset.ended !== "yes") window.location.reload();
  });
})();
