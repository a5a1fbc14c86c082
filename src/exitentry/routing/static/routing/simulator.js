// The simulator's chart: mean wait by hour of arrival, one line per policy (ECharts, vendored).
// The table below the chart carries the same figures, so without JavaScript nothing is lost.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("wait-chart");
  var data = document.getElementById("wait-chart-data");
  var labels = document.getElementById("wait-chart-labels");
  if (!element || !data || !labels || typeof echarts === "undefined") return;
  data = JSON.parse(data.textContent);
  labels = JSON.parse(labels.textContent);
  element.hidden = false;
  var chart = echarts.init(element, null, { renderer: "svg" });
  var colours = { nearest: "#b3261e", recommended: "#0b4f8a" };
  var symbols = { nearest: "triangle", recommended: "circle" };
  var series = Object.keys(data.series).map(function (policy) {
    return {
      name: labels[policy] || policy,
      type: "line",
      data: data.series[policy],
      symbol: symbols[policy] || "circle",
      symbolSize: 7,
      lineStyle: { width: 3, type: policy === "nearest" ? "dashed" : "solid" },
      itemStyle: { color: colours[policy] || "#1b1f24" },
    };
  });
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    textStyle: { fontSize: 14, color: "#1b1f24" },
    tooltip: { trigger: "axis", valueFormatter: function (value) { return value.toFixed(1); } },
    legend: { top: 0, textStyle: { color: "#1b1f24" } },
    grid: { left: 56, right: 16, top: 48, bottom: 56 },
    xAxis: {
      type: "category",
      data: data.hours,
      name: element.dataset.hourLabel,
      nameLocation: "middle",
      nameGap: 32,
      axisLabel: { color: "#1b1f24" },
    },
    yAxis: {
      type: "value",
      name: element.dataset.minutesLabel,
      nameLocation: "middle",
      nameGap: 40,
      min: 0,
      axisLabel: { color: "#1b1f24" },
    },
    series: series,
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
