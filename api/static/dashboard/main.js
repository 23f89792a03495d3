// The community dashboard page, /c/<collaborative>/<dashboard>: reads the dashboard from the
// public GraphQL API in the reader's language and draws it. Signed in (a token the reader
// pastes, kept in this tab's sessionStorage), it reads as that member does.

import { ApiError, run } from "./api.js";
import { el } from "./dom.js";
import { messages, pageLanguages } from "./messages.js";
import { renderPanel } from "./panels.js";

const TOKEN_KEY = "tablero.token";
const LANGUAGE_KEY = "tablero.language";

const [collaborativeSlug, dashboardSlug] = location.pathname
  .split("/")
  .slice(2, 4)
  .map((part) => decodeURIComponent(part ?? ""));

// A language tag (es, es-MX, zh-Hant): anything else in the URL or storage is ignored.
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

const state = {
  language: initialLanguage(),
  languages: pageLanguages,
  charts: [],
};

function initialLanguage() {
  const candidates = [
    new URLSearchParams(location.search).get("lang"),
    localStorage.getItem(LANGUAGE_KEY),
    navigator.language,
  ];
  return candidates.find((tag) => tag && LANGUAGE_TAG.test(tag)) ?? "en";
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

const $ = (id) => document.getElementById(id);

function translateChrome(words) {
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = words.text(element.dataset.text);
  }
  $("sign-in-toggle").textContent = words.text(token() ? "signOut" : "signIn");
  $("languages").setAttribute("aria-label", words.text("language"));
}

function languageSwitch() {
  const group = $("languages");
  group.replaceChildren(
    ...state.languages.map((code) => {
      const name = new Intl.DisplayNames([code], { type: "language" }).of(code) ?? code;
      const button = el(
        "button",
        { type: "button", lang: code, "aria-pressed": String(code === state.language) },
        name.charAt(0).toLocaleUpperCase(code) + name.slice(1),
      );
      button.addEventListener("click", () => chooseLanguage(code));
      return button;
    }),
  );
}

function chooseLanguage(code) {
  state.language = code;
  localStorage.setItem(LANGUAGE_KEY, code);
  const url = new URL(location.href);
  url.searchParams.set("lang", code);
  history.replaceState(null, "", url);
  load();
}

function setStatus(text) {
  const status = $("status");
  status.textContent = text ?? "";
  status.hidden = !text;
}

async function loadGroups(panel) {
  const credentials = { language: state.language, token: token() };
  if (panel.subject.__typename === "Indicator") {
    const variables = { indicator: panel.subject.id, dimension: panel.dimension };
    const { disparities } = await run("IndicatorGroups", variables, credentials);
    return {
      period: disparities.period.label,
      groups: disparities.groups.map((group) => ({
        label: group.category.categoryLabel,
        dimension: group.category.dimensionName,
        value: group.suppressed ? null : group.value,
        reason: group.reason ?? "NO_DATA",
        isReference: group.isReference,
        gap: group.rateDifference,
        narrowed: group.gapNarrowed,
      })),
    };
  }
  const latest = panel.series.points.at(-1);
  if (!latest) return { period: "", groups: [] };
  const variables = { measure: panel.subject.id, period: latest.start };
  const { node } = await run("MeasureGroups", variables, credentials);
  const cells = (node?.observations ?? []).filter(
    (cell) => cell.breakdown.length === 1 && cell.breakdown[0].dimension === panel.dimension,
  );
  return {
    period: latest.label,
    groups: cells.map((cell) => ({
      label: cell.breakdown[0].categoryLabel,
      dimension: cell.breakdown[0].dimensionName,
      value: cell.value,
      reason: cell.suppressedAtSource ? "SOURCE" : "NO_DATA",
      source: cell.suppressedAtSource,
    })),
  };
}

async function fetchDashboard() {
  const variables = { collaborative: collaborativeSlug, dashboard: dashboardSlug };
  try {
    return await run("DashboardPage", variables, { language: state.language, token: token() });
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED" && token()) {
      sessionStorage.removeItem(TOKEN_KEY);
      const data = await fetchDashboard();
      data.tokenRefused = true;
      return data;
    }
    throw error;
  }
}

async function load() {
  const container = $("dashboard");
  container.dataset.state = "loading";
  for (const chart of state.charts.splice(0)) chart.destroy();
  let words = messages(state.language);
  setStatus(words.text("loading"));
  let data;
  try {
    data = await fetchDashboard();
  } catch {
    container.replaceChildren();
    setStatus(words.text("failed"));
    container.dataset.state = "failed";
    return;
  }
  const { collaborative, dashboard } = data;
  if (collaborative) {
    // The API answers in the first language it has of those asked: speak the same one.
    state.language = collaborative.language;
    state.languages = collaborative.languages;
    $("collaborative").textContent = collaborative.name;
  }
  words = messages(state.language);
  document.documentElement.lang = state.language;
  translateChrome(words);
  languageSwitch();
  const notes = [];
  if (data.tokenRefused) notes.push(words.text("tokenRefused"));
  else if (token()) notes.push(words.text("signedIn"));
  if (!dashboard) {
    container.replaceChildren();
    document.title = collaborative?.name ?? document.title;
    setStatus([...notes, words.text("notFound")].join(" "));
    container.dataset.state = "not-found";
    return;
  }
  setStatus(notes.join(" "));
  document.title = collaborative ? `${dashboard.title} · ${collaborative.name}` : dashboard.title;
  const toldOnce = new Set();
  const context = {
    language: state.language,
    words,
    charts: state.charts,
    loadGroups,
    storiesFor: (subject) => !toldOnce.has(subject.id) && toldOnce.add(subject.id),
  };
  const header = el(
    "div",
    { class: "intro" },
    el("h1", {}, dashboard.title),
    dashboard.description ? el("p", {}, dashboard.description) : null,
  );
  const grid = el("div", { class: "panels" });
  container.replaceChildren(header, grid);
  const drawn = dashboard.panels
    .filter((panel) => panel.subject && panel.series)
    .map((panel) => {
      const { element, ready } = renderPanel(panel, context);
      grid.append(element);
      return ready;
    });
  await Promise.allSettled(drawn);
  container.dataset.state = "ready";
}

function setUpSignIn() {
  const toggle = $("sign-in-toggle");
  const form = $("sign-in");
  toggle.addEventListener("click", () => {
    if (token()) {
      sessionStorage.removeItem(TOKEN_KEY);
      load();
      return;
    }
    form.hidden = !form.hidden;
    toggle.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) $("token").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const given = $("token").value.trim();
    $("token").value = "";
    if (given) sessionStorage.setItem(TOKEN_KEY, given);
    form.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    load();
  });
}

setUpSignIn();
// Chart.js is a classic deferred script: it has run before any module does.
load();
