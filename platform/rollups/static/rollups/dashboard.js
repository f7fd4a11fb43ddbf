/* The municipal figures pages: draw each table's chart (Chart.js, served from our static files) and, while
   tenant-periods are being recomputed, poll the status endpoint until none is waiting, then reload. */
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          spanGaps: true,
          plugins: { legend: { display: spec.datasets.length > 1 } }
        }
      });
    });
  }

  function pollProgress() {
    var box = document.getElementById("rollup-progress");
    if (!box) { return; }
    var max = parseInt(box.getAttribute("data-waiting"), 10) || 0;
    if (max <= 0) { return; }
    var url = box.getAttribute("data-url");
    if (!url) { return; }  // a union's own figures: no progress to follow
    var count = box.querySelector("[data-waiting]");
    var bar = box.querySelector("progress");
    var asOf = box.querySelector("[data-as-of]");

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) {
          if (data.waiting > max) { max = data.waiting; }
          if (bar) { bar.max = max; bar.value = max - data.waiting; }
          if (count) { count.textContent = count.textContent.replace(/\d+/, String(data.waiting)); }
          if (asOf && data.as_of) { asOf.textContent = data.as_of; }
          if (data.waiting === 0) {
            window.location.reload();
          } else {
            window.setTimeout(tick, 3000);
          }
        })
        .catch(function () { window.setTimeout(tick, 10000); });
    }
    window.setTimeout(tick, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    pollProgress();
  });
}());
