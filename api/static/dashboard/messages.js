// The page's own words, in each language it speaks (the API translates the data itself).
// A language the API speaks but the page does not falls back to English words around
// translated data.

const en = {
  skip: "Skip to the dashboard",
  loading: "Loading…",
  signIn: "Sign in",
  signOut: "Sign out",
  signedIn: "Signed in: you see what members see.",
  signInHelp:
    "Members of the collaborative see members-only dashboards and panels. Paste the access " +
    "token your collaborative gave you; it stays in this tab only and is forgotten when " +
    "you close it.",
  tokenLabel: "Access token",
  signInSubmit: "Sign in",
  tokenRefused: "That token was not accepted (it may have expired). You are reading as the public.",
  notFound:
    "There is no dashboard to show here. It may not exist, or it may be for members of the " +
    "collaborative only: sign in to see it.",
  failed: "The dashboard could not be loaded just now. Try again in a moment.",
  panelFailed: "This part could not be loaded just now.",
  language: "Language",
  actual: "Actual",
  forecast: "Baseline forecast (if nothing changes)",
  target: "Target",
  baseline: "Baseline",
  period: "Period",
  value: "Value",
  group: "Group",
  gap: "Gap to the best-off group",
  showNumbers: "Show the numbers",
  latest: "Latest",
  reference: "best-off group",
  better: "Better than the baseline forecast: the curve is turning the right way.",
  worse: "Worse than the baseline forecast: the curve is heading the wrong way.",
  onForecast: "On the baseline forecast: the curve has not turned yet.",
  notShown: "Not shown",
  noData: "No data to chart yet.",
  breaks: "The definition changed in {periods}: values before and after are not comparable.",
  by: "By {dimension}, {period}",
  lineSummary: "Chart of {name}: {count} values from {first} to {last}; latest {latest}.",
  barSummary: "Bar chart of {name} by group, {period}: {shown} groups shown, {hidden} not shown.",
  targetSummary: "Target {value} by {period}.",
  forecastMethod: "How the forecast is made: {method}",
  storiesOther: "Also told in other languages",
  whys: "Why? Asked again and again:",
  reportedBy: "Reported by {partner}",
  narrowed: "gap narrower than the period before",
  widened: "gap not narrower than the period before",
  points: "{value} points",
  times: "{value}×",
  kind: {
    STORY_BEHIND_THE_CURVE: "The story behind the curve",
    ROOT_CAUSE: "Root causes",
    PARTNER_CONTRIBUTION: "What partners contribute",
    WHAT_WORKS: "What works",
    COMMUNITY_VOICE: "Community voice",
  },
  // Why a number is hidden, in plain words. `source` is the mark a partner's source used.
  hidden: {
    SOURCE:
      "The partner withheld this number at its source (“{source}”) because it " +
      "counts so few people that they could be recognized.",
    SUPPRESSED_AT_SOURCE:
      "Part of this number was withheld at its source to protect the few " +
      "people it counts.",
    SMALL_CELL:
      "It counts too few people to publish without risking that someone is " +
      "recognized.",
    TOO_FEW_PARTNERS:
      "Too few partners report it to publish a total that does not reveal one " +
      "partner's own numbers.",
    DOMINANCE:
      "One partner makes up almost all of it, so it would reveal that partner's " +
      "numbers.",
    COMPLEMENTARY:
      "Hidden so that another hidden number cannot be worked out by subtracting.",
    SEEN_PARTS:
      "With what some readers can already see, it would reveal one partner's " +
      "numbers.",
    REVISION:
      "Withheld in this revision: beside the earlier release it would reveal what changed " +
      "for one partner.",
    UNKNOWN_SIZE: "How many people it counts is not known, so it cannot be checked.",
    UNDEFINED: "Nobody was in the group measured.",
    NO_DATA: "Nobody reported this group.",
    NOT_RELEASED: "This period's figures have not been released yet.",
  },
};

const es = {
  skip: "Ir al tablero",
  loading: "Cargando…",
  signIn: "Iniciar sesión",
  signOut: "Cerrar sesión",
  signedIn: "Sesión iniciada: ve lo que ven los miembros.",
  signInHelp:
    "Los miembros de la colaborativa ven los tableros y paneles solo para miembros. Pegue el " +
    "token de acceso que le dio su colaborativa; se guarda solo en esta pestaña y se olvida " +
    "al cerrarla.",
  tokenLabel: "Token de acceso",
  signInSubmit: "Iniciar sesión",
  tokenRefused:
    "Ese token no fue aceptado (puede haber vencido). Está leyendo como el público.",
  notFound:
    "No hay ningún tablero que mostrar aquí. Puede que no exista o que sea solo para " +
    "miembros de la colaborativa: inicie sesión para verlo.",
  failed: "No se pudo cargar el tablero en este momento. Inténtelo de nuevo en un momento.",
  panelFailed: "Esta parte no se pudo cargar en este momento.",
  language: "Idioma",
  actual: "Real",
  forecast: "Pronóstico de referencia (si nada cambia)",
  target: "Meta",
  baseline: "Línea de base",
  period: "Periodo",
  value: "Valor",
  group: "Grupo",
  gap: "Brecha con el grupo mejor situado",
  showNumbers: "Ver los números",
  latest: "Último",
  reference: "grupo mejor situado",
  better: "Mejor que el pronóstico de referencia: la curva está cambiando a mejor.",
  worse: "Peor que el pronóstico de referencia: la curva va en la dirección equivocada.",
  onForecast: "En el pronóstico de referencia: la curva aún no ha cambiado.",
  notShown: "No se muestra",
  noData: "Todavía no hay datos para graficar.",
  breaks:
    "La definición cambió en {periods}: los valores de antes y de después no son comparables.",
  by: "Por {dimension}, {period}",
  lineSummary: "Gráfica de {name}: {count} valores de {first} a {last}; último {latest}.",
  barSummary:
    "Gráfica de barras de {name} por grupo, {period}: {shown} grupos mostrados, {hidden} no.",
  targetSummary: "Meta {value} para {period}.",
  forecastMethod: "Cómo se hace el pronóstico: {method}",
  storiesOther: "También contado en otros idiomas",
  whys: "¿Por qué? Preguntado una y otra vez:",
  reportedBy: "Informado por {partner}",
  narrowed: "brecha más pequeña que el periodo anterior",
  widened: "brecha no más pequeña que el periodo anterior",
  points: "{value} puntos",
  times: "{value}×",
  kind: {
    STORY_BEHIND_THE_CURVE: "La historia detrás de la curva",
    ROOT_CAUSE: "Causas de fondo",
    PARTNER_CONTRIBUTION: "Lo que aportan los socios",
    WHAT_WORKS: "Lo que funciona",
    COMMUNITY_VOICE: "La voz de la comunidad",
  },
  hidden: {
    SOURCE:
      "El socio retuvo este número en su origen («{source}») porque cuenta a " +
      "tan pocas personas que podrían ser reconocidas.",
    SUPPRESSED_AT_SOURCE:
      "Parte de este número se retuvo en su origen para proteger a las pocas " +
      "personas que cuenta.",
    SMALL_CELL:
      "Cuenta a muy pocas personas para publicarlo sin riesgo de que alguien " +
      "sea reconocido.",
    TOO_FEW_PARTNERS:
      "Lo informan muy pocos socios para publicar un total que no revele los " +
      "números de uno de ellos.",
    DOMINANCE:
      "Un solo socio aporta casi todo, así que revelaría sus números.",
    COMPLEMENTARY:
      "Se oculta para que otro número oculto no se pueda calcular restando.",
    SEEN_PARTS:
      "Junto con lo que algunos lectores ya pueden ver, revelaría los números " +
      "de un socio.",
    REVISION:
      "Retenido en esta revisión: junto a la publicación anterior revelaría lo que " +
      "cambió para un socio.",
    UNKNOWN_SIZE:
      "No se sabe a cuántas personas cuenta, así que no se puede comprobar.",
    UNDEFINED: "Nadie estaba en el grupo medido.",
    NO_DATA: "Nadie informó sobre este grupo.",
    NOT_RELEASED: "Las cifras de este periodo aún no se han publicado.",
  },
};

const catalogs = { en, es };

/** The page's words in `language`, English for a language it does not speak. */
export function messages(language) {
  const catalog = catalogs[language] ?? en;
  return {
    text(key, values = {}) {
      const template = catalog[key] ?? en[key] ?? key;
      return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
    },
    kind(kind) {
      return catalog.kind[kind] ?? en.kind[kind] ?? kind;
    },
    hidden(reason, source) {
      const template = catalog.hidden[reason] ?? en.hidden[reason] ?? en.hidden.NO_DATA;
      return template.replace("{source}", () => source ?? "");
    },
  };
}

export const pageLanguages = Object.keys(catalogs);
