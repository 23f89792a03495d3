// Chart.js configurations: the turn-the-curve chart (actual, baseline forecast, target) and
// a dimension's groups as bars, suppressed groups marked where their bar would be.
// Chart.js draws text on a canvas, never as HTML, so no text from the API can become markup.

import { formatValue } from "./format.js";

// Colours with at least 4.5:1 contrast on white; the forecast is also dashed and the
// target a triangle, so no series is told apart by colour alone.
const ACTUAL = "#1d4f91";
const FORECAST = "#5c5f66";
const TARGET = "#a33b00";
const HIDDEN = "#6b3fa0";
const FONT = { family: "system-ui, sans-serif", size: 13 };

/** The periods of a curve, oldest first: its values, then the forecast and target beyond. */
export function curveLabels(series) {
  const labels = series.points.map((point) => point.label);
  for (const point of series.forecast?.points ?? []) {
    if (!labels.includes(point.label)) labels.push(point.label);
  }
  if (series.target && !labels.includes(series.target.label)) labels.push(series.target.label);
  return labels;
}

function aligned(labels, points) {
  const values = new Map(points.map((point) => [point.label, point.value]));
  return labels.map((label) => (values.has(label) ? values.get(label) : null));
}

function valueAxis(unit, language) {
  return {
    ticks: { callback: (value) => formatValue(value, unit, language), font: FONT },
    grid: { color: "#e3e5e8" },
  };
}

function tooltip(unit, language) {
  return {
    callbacks: {
      label: (item) => `${item.dataset.label}: ${formatValue(item.raw, unit, language)}`,
    },
  };
}

/** A turn-the-curve chart on `canvas`; `bars` draws the actual values as bars. */
export function curveChart(canvas, { series, unit, language, words, bars = false }) {
  const labels = curveLabels(series);
  const datasets = [
    {
      label: words.text("actual"),
      type: bars ? "bar" : "line",
      data: aligned(labels, series.points),
      borderColor: ACTUAL,
      backgroundColor: ACTUAL,
      borderWidth: bars ? 0 : 3,
      pointRadius: 4,
      spanGaps: false,
      order: 2,
    },
  ];
  if (series.forecast) {
    datasets.push({
      label: words.text("forecast"),
      type: "line",
      data: aligned(labels, series.forecast.points),
      borderColor: FORECAST,
      backgroundColor: FORECAST,
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 2,
      pointStyle: "rectRot",
      order: 1,
    });
  }
  if (series.target) {
    datasets.push({
      label: words.text("target"),
      type: "line",
      data: labels.map((label) => (label === series.target.label ? series.target.value : null)),
      borderColor: TARGET,
      backgroundColor: TARGET,
      pointStyle: "triangle",
      pointRadius: 9,
      showLine: false,
      order: 0,
    });
  }
  return new window.Chart(canvas, {
    type: bars ? "bar" : "line",
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { ticks: { font: FONT } }, y: valueAxis(unit, language) },
      plugins: {
        legend: { position: "bottom", labels: { font: FONT, usePointStyle: true } },
        tooltip: tooltip(unit, language),
      },
    },
  });
}

// Writes "not shown" where a suppressed group's bar would be, so that the chart itself
// says a bar is missing on purpose, not that it is zero.
const hiddenMarks = {
  id: "hiddenMarks",
  afterDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.fillStyle = HIDDEN;
    ctx.font = `italic ${FONT.size}px ${FONT.family}`;
    ctx.textBaseline = "middle";
    for (const row of options.rows ?? []) {
      ctx.fillText(options.text, chartArea.left + 8, scales.y.getPixelForValue(row));
    }
    ctx.restore();
  },
};

/** A dimension's groups as horizontal bars (long group names stay readable on a phone). */
export function groupsChart(canvas, { groups, unit, language, words }) {
  const hidden = groups.flatMap((group, index) => (group.value === null ? [index] : []));
  return new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: groups.map((group) => group.label),
      datasets: [
        {
          label: words.text("value"),
          data: groups.map((group) => group.value),
          backgroundColor: groups.map((group) => (group.isReference ? FORECAST : ACTUAL)),
        },
      ],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: valueAxis(unit, language), y: { ticks: { font: FONT } } },
      plugins: {
        legend: { display: false },
        tooltip: tooltip(unit, language),
        hiddenMarks: { rows: hidden, text: `— ${words.text("notShown")} —` },
      },
    },
    plugins: [hiddenMarks],
  });
}
