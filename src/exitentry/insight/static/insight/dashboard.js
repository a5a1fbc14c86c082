// Dashboard charts (ECharts, vendored). Every chart has a table with the same figures beside it,
// so without JavaScript nothing is lost. Charts are drawn again after htmx swaps the results in.
(function () {
  var charts = [];
  var colours = ["#0b4f8a", "#b3261e", "#1e7b34", "#8a5a00", "#5b3e99", "#00696f"];
  var ink = "#1b1f24";

  function show(id) {
    var element = document.getElementById(id);
    if (!element) return null;
    element.hidden = false;
    var chart = echarts.init(element, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function pie(id, data) {
    var chart = show(id);
    if (!chart) return;
    chart.setOption({
      aria: { enabled: true }, animation: false, color: colours,
      textStyle: { fontSize: 14, color: ink },
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { color: ink } },
      series: [{
        type: "pie", radius: ["35%", "60%"], center: ["50%", "42%"], data: data,
        label: { color: ink, formatter: "{d}%" },
      }],
    });
  }

  function draw() {
    charts.forEach(function (chart) { chart.dispose(); });
    charts = [];
    var source = document.getElementById("insight-chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var trend = document.getElementById("trend-chart");
    var chart = show("trend-chart");
    if (chart) {
      var series = data.types.map(function (type) {
        return { name: type.name, type: "bar", stack: "types", data: data.by_type[type.code] };
      });
      series.push({
        name: trend.dataset.lastYearLabel, type: "line", data: data.last_year, symbol: "circle",
        lineStyle: { width: 3, type: "dashed" }, itemStyle: { color: ink },
      });
      chart.setOption({
        aria: { enabled: true }, animation: false, color: colours,
        textStyle: { fontSize: 14, color: ink },
        tooltip: { trigger: "axis" },
        legend: { top: 0, textStyle: { color: ink } },
        grid: { left: 56, right: 16, top: 56, bottom: 40 },
        xAxis: { type: "category", data: data.periods, axisLabel: { color: ink } },
        yAxis: { type: "value", min: 0, axisLabel: { color: ink } },
        series: series,
      });
    }
    var heat = document.getElementById("wait-heatmap");
    chart = show("wait-heatmap");
    if (chart) {
      var cells = [];
      var highest = 1;
      data.waits.forEach(function (row, weekday) {
        row.forEach(function (value, hour) {
          if (value !== null) { cells.push([hour, weekday, value]); highest = Math.max(highest, value); }
        });
      });
      chart.setOption({
        aria: { enabled: true }, animation: false,
        textStyle: { fontSize: 14, color: ink },
        tooltip: { position: "top" },
        grid: { left: 90, right: 16, top: 16, bottom: 80 },
        xAxis: { type: "category", data: data.hours, axisLabel: { color: ink } },
        yAxis: { type: "category", data: data.weekdays, inverse: true, axisLabel: { color: ink } },
        visualMap: {
          min: 0, max: highest, calculable: true, orient: "horizontal", left: "center", bottom: 0,
          text: [heat.dataset.minutesLabel, ""], inRange: { color: ["#e8f1fa", "#0b4f8a"] }, textStyle: { color: ink },
        },
        series: [{ type: "heatmap", data: cells, label: { show: false } }],
      });
    }
    pie("channel-chart", data.channels);
    pie("payment-chart", data.payments);
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
