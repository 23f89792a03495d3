// One dashboard panel as the reader sees it: its chart, what the curve says, the numbers as
// a table (for screen readers and for anyone who wants them), and the stories behind it.

import { curveChart, curveLabels, groupsChart } from "./charts.js";
import { el, table } from "./dom.js";
import { formatGap, formatValue } from "./format.js";

const VERDICTS = { BETTER: "better", WORSE: "worse", ON_FORECAST: "onForecast" };

/** Whether a panel charts the groups of a dimension rather than one curve. */
export function showsGroups(panel) {
  return Boolean(panel.dimension && !panel.category);
}

/** The section of `panel`; `ready` settles once its chart is drawn. */
export function renderPanel(panel, context) {
  const { words } = context;
  const subject = panel.subject;
  const headingId = `panel-${panel.position}`;
  const section = el("section", {
    class: "panel",
    "aria-labelledby": headingId,
    "data-chart": panel.chart,
    "data-position": panel.position,
  });
  section.append(el("h2", { id: headingId }, panel.title || subject.name));
  const about = [panel.title && panel.title !== subject.name ? subject.name : null];
  if (subject.partner) about.push(words.text("reportedBy", { partner: subject.partner.name }));
  const cell = (panel.series.breakdown ?? []).map((b) => `${b.dimensionName}: ${b.categoryLabel}`);
  const details = [...about, ...cell].filter(Boolean);
  if (details.length) section.append(el("p", { class: "subject" }, details.join(" · ")));
  const body = el("div", { class: "panel-body" });
  section.append(body);
  const ready = showsGroups(panel)
    ? drawGroups(body, panel, context)
    : Promise.resolve(drawCurve(body, panel, context));
  if (context.storiesFor(subject)) section.append(stories(subject.stories, context));
  return { element: section, ready };
}

function summary(panel, context) {
  const { words, language } = context;
  const unit = panel.subject.unit;
  const shown = panel.series.points.filter((point) => point.value !== null);
  if (!shown.length) return words.text("noData");
  const latest = shown.at(-1);
  const parts = [
    words.text("lineSummary", {
      name: panel.title || panel.subject.name,
      count: shown.length,
      first: shown[0].label,
      last: latest.label,
      latest: formatValue(latest.value, unit, language),
    }),
  ];
  const target = panel.series.target;
  if (target) {
    parts.push(
      words.text("targetSummary", { value: formatValue(target.value, unit, language), period: target.label }),
    );
  }
  const verdict = VERDICTS[panel.series.latestVsForecast];
  if (verdict) parts.push(words.text(verdict));
  return parts.join(" ");
}

function drawCurve(body, panel, context) {
  const { words, language } = context;
  const { series, subject } = panel;
  const unit = subject.unit;
  const described = summary(panel, context);
  if (panel.chart === "NUMBER") {
    const latest = series.points.filter((point) => point.value !== null).at(-1);
    body.append(
      el(
        "p",
        { class: "number" },
        el("span", { class: "figure" }, latest ? formatValue(latest.value, unit, language) : "—"),
        el("span", { class: "when" }, latest ? `${words.text("latest")}: ${latest.label}` : ""),
      ),
    );
  } else if (panel.chart !== "TABLE") {
    const canvas = el("canvas", { role: "img", "aria-label": described }, described);
    body.append(el("div", { class: "chart", "data-kind": "curve" }, canvas));
    context.charts.push(
      curveChart(canvas, { series, unit, language, words, bars: panel.chart === "BAR" }),
    );
  }
  const verdict = VERDICTS[series.latestVsForecast];
  if (verdict) body.append(el("p", { class: `verdict ${verdict}` }, words.text(verdict)));
  if (series.breaks.length) {
    body.append(el("p", { class: "note" }, words.text("breaks", { periods: series.breaks.join(", ") })));
  }
  const numbers = curveTable(panel, context);
  if (panel.chart === "TABLE") {
    body.append(numbers);
  } else {
    body.append(el("details", {}, el("summary", {}, words.text("showNumbers")), numbers));
  }
  if (series.forecast) {
    body.append(
      el("p", { class: "note" }, words.text("forecastMethod", { method: series.forecast.method })),
    );
  }
}

function curveTable(panel, context) {
  const { words, language } = context;
  const { series, subject } = panel;
  const format = (value) => formatValue(value, subject.unit, language);
  const actual = new Map(series.points.map((point) => [point.label, point]));
  const forecast = new Map((series.forecast?.points ?? []).map((point) => [point.label, point]));
  const rows = curveLabels(series).map((label) => {
    const point = actual.get(label);
    const hidden = point && point.value === null;
    const shown = hidden
      ? hiddenNote(point.suppressedAtSource ? "SOURCE" : "NO_DATA", point.suppressedAtSource, words)
      : format(point?.value);
    return {
      cells: [
        label,
        shown,
        format(forecast.get(label)?.value),
        series.target?.label === label ? format(series.target.value) : "",
      ],
      attributes: { "data-hidden": hidden ? "true" : null },
    };
  });
  const headers = [words.text("period"), words.text("actual"), words.text("forecast"), words.text("target")];
  return table(panel.title || subject.name, headers, rows);
}

function hiddenNote(reason, source, words) {
  return el(
    "span",
    { class: "hidden-value" },
    el("strong", {}, `${words.text("notShown")}.`),
    ` ${words.hidden(reason, source)}`,
  );
}

async function drawGroups(body, panel, context) {
  const { words, language } = context;
  const unit = panel.subject.unit;
  const waiting = el("p", { class: "status" }, words.text("loading"));
  body.append(waiting);
  let found;
  try {
    found = await context.loadGroups(panel);
  } catch {
    waiting.textContent = words.text("panelFailed");
    return;
  }
  waiting.remove();
  const { period, groups } = found;
  if (!groups.length) {
    body.append(el("p", { class: "status" }, words.text("noData")));
    return;
  }
  const hidden = groups.filter((group) => group.value === null).length;
  const dimension = groups[0].dimension;
  body.append(el("p", { class: "when" }, words.text("by", { dimension, period })));
  const described = words.text("barSummary", {
    name: panel.title || panel.subject.name,
    period,
    shown: groups.length - hidden,
    hidden,
  });
  const canvas = el("canvas", { role: "img", "aria-label": described }, described);
  const frame = el("div", { class: "chart", "data-kind": "groups" }, canvas);
  // Through the CSSOM, which the page's Content-Security-Policy allows (style attributes not).
  frame.style.height = `${Math.max(160, 40 * groups.length + 40)}px`;
  body.append(frame);
  context.charts.push(groupsChart(canvas, { groups, unit, language, words }));
  const gaps = groups.some((group) => group.gap !== undefined);
  const headers = [words.text("group"), words.text("value")];
  if (gaps) headers.push(words.text("gap"));
  const rows = groups.map((group) => {
    const cells = [
      group.label,
      group.value === null ? hiddenNote(group.reason, group.source, words) : formatValue(group.value, unit, language),
    ];
    if (gaps) cells.push(gapText(group, unit, context));
    return { cells, attributes: { "data-hidden": group.value === null ? "true" : null } };
  });
  body.append(table(panel.title || panel.subject.name, headers, rows));
}

function gapText(group, unit, { words, language }) {
  if (group.isReference) return words.text("reference");
  if (group.gap === null || group.gap === undefined) return "";
  const size =
    unit === "PERCENT"
      ? words.text("points", { value: formatGap(group.gap, unit, language) })
      : formatGap(group.gap, unit, language);
  const trend = group.narrowed === null ? "" : ` (${words.text(group.narrowed ? "narrowed" : "widened")})`;
  return `${size}${trend}`;
}

function stories(told, context) {
  const { words, language } = context;
  const mine = told.filter((story) => story.language === language);
  const others = told.filter((story) => story.language !== language);
  const list = el("div", { class: "stories" }, mine.map((story) => storyElement(story, words)));
  if (others.length) {
    list.append(
      el(
        "details",
        { class: "other-languages" },
        el("summary", {}, words.text("storiesOther")),
        others.map((story) => storyElement(story, words)),
      ),
    );
  }
  return list;
}

function storyElement(story, words) {
  return el(
    "article",
    { class: "story", lang: story.language, "data-kind": story.kind },
    el("h3", {}, el("span", { class: "kind" }, words.kind(story.kind)), " ", story.title),
    story.period ? el("p", { class: "when" }, story.period.label) : null,
    el("p", {}, story.body),
    story.whys.length
      ? el("div", {}, el("p", {}, words.text("whys")), el("ol", {}, story.whys.map((why) => el("li", {}, why))))
      : null,
  );
}
