// Public figures: applications accepted (bars) and mean wait (line) by month. The table below
// holds the same figures.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("figures-chart");
  var source = document.getElementById("figures-data");
  if (!element || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  element.hidden = false;
  var ink = "#1b1f24";
  var chart = echarts.init(element, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true }, animation: false,
    textStyle: { fontSize: 14, color: ink },
    tooltip: { trigger: "axis" },
    legend: { top: 0, textStyle: { color: ink } },
    grid: { left: 64, right: 56, top: 48, bottom: 40 },
    xAxis: { type: "category", data: data.months, axisLabel: { color: ink } },
    yAxis: [
      { type: "value", min: 0, axisLabel: { color: ink } },
      { type: "value", min: 0, axisLabel: { color: ink }, splitLine: { show: false } },
    ],
    series: [
      { name: element.dataset.acceptedLabel, type: "bar", data: data.accepted, itemStyle: { color: "#0b4f8a" } },
      { name: element.dataset.waitLabel, type: "line", yAxisIndex: 1, data: data.waits, itemStyle: { color: "#b3261e" }, lineStyle: { width: 3 } },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
