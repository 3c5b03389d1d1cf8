// Charts of the indicator dashboard, an enhancement over the tables that
// carry the same numbers. The data comes from the JSON script element the
// page embeds (no inline script: the CSP allows only our own files).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var el = document.getElementById("indicator-chart-data");
    if (!el || !window.echarts) { return; }
    var data;
    try { data = JSON.parse(el.textContent); } catch (e) { return; }
    var pct = function (v) { return v + "%"; };
    var children = document.getElementById("children-chart");
    if (children && data.children && data.children.names && data.children.names.length) {
      children.hidden = false;
      children.style.height = Math.max(240, data.children.names.length * 28 + 80) + "px";
      var c = window.echarts.init(children);
      var lab = data.children.labels;
      c.setOption({
        tooltip: { trigger: "axis", valueFormatter: pct },
        legend: { data: lab },
        grid: { left: 8, right: 24, containLabel: true },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", inverse: true, data: data.children.names },
        series: [
          { name: lab[2], type: "bar", data: data.children.total },
          { name: lab[0], type: "bar", data: data.children.urban },
          { name: lab[1], type: "bar", data: data.children.rural }
        ]
      });
      c.on("click", function (p) {
        var code = data.children.codes[p.dataIndex];
        if (code) { window.location.href = "/indicators/" + code; }
      });
      window.addEventListener("resize", function () { c.resize(); });
    }
    var trend = document.getElementById("trend-chart");
    if (trend && data.trend && data.trend.months && data.trend.months.length) {
      trend.hidden = false;
      trend.style.height = "320px";
      var t = window.echarts.init(trend);
      var tl = data.trend.labels;
      t.setOption({
        tooltip: { trigger: "axis", valueFormatter: pct },
        legend: { data: tl },
        grid: { left: 8, right: 24, containLabel: true },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { name: tl[0], type: "line", data: data.trend.org_rate },
          { name: tl[1], type: "line", data: data.trend.coverage },
          { name: tl[2], type: "line", data: data.trend.certified }
        ]
      });
      window.addEventListener("resize", function () { t.resize(); });
    }
  });
})();
