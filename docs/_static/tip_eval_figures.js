// Draws every tip_eval figure of the page with the page's local copy of plotly.js (no network).
// Each figure is an empty <div class="tip-eval-plotly" id="..."> followed by its plotly JSON in
// <script type="application/json" id="...-json">, written by docs/_ext/tip_eval_docs.py.
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") {
      return;
    }
    document.querySelectorAll("div.tip-eval-plotly").forEach(function (div) {
      if (div.dataset.drawn) {
        return;
      }
      var source = document.getElementById(div.id + "-json");
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      div.dataset.drawn = "1";
      Plotly.newPlot(div, figure.data, figure.layout || {}, { responsive: true, displaylogo: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
