// Apollo Client 4 against a running Tablero, as a front end would use it: its normalized
// cache, one cache per language, and automatic persisted queries by GET.
// Usage: node apollo.mjs http://127.0.0.1:8000/graphql path/to/schema.graphql
// Prints a JSON report {check: "ok" | what went wrong} and exits 1 unless every check is ok.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { buildSchema, isAbstractType } from "graphql";

const [url, schemaPath] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaPath, "utf8"));
const possibleTypes = {};
for (const type of Object.values(schema.getTypeMap())) {
  if (isAbstractType(type)) {
    possibleTypes[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
  }
}

const COLLABORATIVE = gql`
  query Collaborative {
    collaborative(slug: "riverside") {
      id
      name
      language
      domains { id name results { id statement indicators { id name } } }
      measures(first: 20) {
        pageInfo { hasNextPage endCursor }
        nodes { id name quadrant partner { id name } latestObservations(count: 2) { id value } }
      }
      dimensions(first: 10) { nodes { id name categories { id key label } } }
    }
  }
`;
const DASHBOARD = gql`
  query Dashboard {
    dashboard(collaborativeSlug: "riverside", slug: "community-dashboard") {
      id
      title
      panels { title chart subject { id name } series { points { label value } } }
    }
  }
`;
const NODE = gql`
  query Node($id: ID!) {
    node(id: $id) { id ... on Measure { name quadrant } }
  }
`;
const VIEWER = gql`
  query Viewer { viewer { isAnonymous } }
`;

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function client(language, { persisted = false, log = null } = {}) {
  const recordingFetch = async (input, init) => {
    const response = await fetch(input, init);
    log?.push({ method: init?.method ?? "GET", status: response.status });
    return response;
  };
  const http = new HttpLink({ uri: url, headers: { "Accept-Language": language }, fetch: recordingFetch });
  const link = persisted
    ? new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http)
    : http;
  return new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes }) });
}

// Every object with an id, with its __typename, anywhere in a result.
function entities(value, found = []) {
  if (Array.isArray(value)) {
    value.forEach((item) => entities(item, found));
  } else if (value && typeof value === "object") {
    if (typeof value.id === "string") found.push(value);
    Object.values(value).forEach((item) => entities(item, found));
  }
  return found;
}

const report = {};
async function check(name, fn) {
  try {
    const problem = await fn();
    report[name] = problem ? String(problem) : "ok";
  } catch (error) {
    report[name] = `threw: ${error?.stack ?? error}`;
  }
}

const english = client("en");
const spanish = client("es");
const results = {};

await check("queries answer without errors", async () => {
  for (const [name, query] of Object.entries({ COLLABORATIVE, DASHBOARD })) {
    const result = await english.query({ query });
    if (result.error) return `${name}: ${result.error.message}`;
    results[name] = result.data;
  }
});

await check("every object with an id is normalized under its __typename and id", async () => {
  const stored = english.cache.extract();
  for (const data of Object.values(results)) {
    for (const entity of entities(data)) {
      const key = `${entity.__typename}:${entity.id}`;
      if (!stored[key]) return `${key} is not a cache entry`;
    }
  }
});

await check("global ids are unique across types", async () => {
  const typeOf = new Map();
  for (const data of Object.values(results)) {
    for (const entity of entities(data)) {
      const seen = typeOf.get(entity.id);
      if (seen && seen !== entity.__typename) return `${entity.id} is a ${seen} and a ${entity.__typename}`;
      typeOf.set(entity.id, entity.__typename);
    }
  }
});

await check("what the cache reads back is what the server answered", async () => {
  for (const [name, query] of Object.entries({ COLLABORATIVE, DASHBOARD })) {
    const cached = english.cache.readQuery({ query });
    if (!isDeepStrictEqual(cached, results[name])) return `${name} reads back differently`;
  }
});

await check("node(id:) refetches into the same cache entry", async () => {
  const measure = results.COLLABORATIVE.collaborative.measures.nodes[0];
  const { data, error } = await english.query({ query: NODE, variables: { id: measure.id } });
  if (error) return error.message;
  if (data.node.name !== measure.name) return `node answered ${data.node.name}`;
  const entry = english.cache.extract()[`Measure:${measure.id}`];
  if (entry.name !== measure.name || entry.quadrant !== measure.quadrant) return "entry differs";
});

await check("one cache per language keeps each language whole", async () => {
  const { data, error } = await spanish.query({ query: COLLABORATIVE });
  if (error) return error.message;
  const inEnglish = results.COLLABORATIVE.collaborative;
  const inSpanish = data.collaborative;
  if (inEnglish.language !== "en" || inSpanish.language !== "es") {
    return `languages ${inEnglish.language} and ${inSpanish.language}`;
  }
  if (inEnglish.id !== inSpanish.id) return "the same collaborative has two ids";
  const domain = (c) => c.domains[0];
  if (domain(inEnglish).name === domain(inSpanish).name) return "the domain was not translated";
  const stillEnglish = english.cache.readQuery({ query: COLLABORATIVE }).collaborative;
  if (domain(stillEnglish).name !== domain(inEnglish).name) return "the English cache changed";
});

await check("answers say their language and vary by it", async () => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "accept-language": "es-MX, en;q=0.5" },
    body: JSON.stringify({ query: "{ collaborative(slug: \"riverside\") { language } }" }),
  });
  const vary = response.headers.get("vary") ?? "";
  if (response.headers.get("content-language") !== "es") {
    return `Content-Language: ${response.headers.get("content-language")}`;
  }
  if (!vary.includes("Accept-Language")) return `Vary: ${vary}`;
});

await check("automatic persisted queries: the hash by GET, the text once", async () => {
  const log = [];
  const apq = client("en", { persisted: true, log });
  const query = gql`
    query PersistedProbe${Date.now()} { viewer { isAnonymous } }
  `;
  const first = await apq.query({ query, fetchPolicy: "network-only" });
  const again = await apq.query({ query, fetchPolicy: "network-only" });
  if (first.error || again.error) return (first.error ?? again.error).message;
  if (again.data.viewer.isAnonymous !== true) return "wrong data";
  const seen = log.map((r) => `${r.method} ${r.status}`).join(", ");
  if (seen !== "GET 404, POST 200, GET 200") return seen;
});

await check("mutations without credentials are told to sign in", async () => {
  const mutation = gql`mutation { updateCollaborative(input: { id: "x" }) { userErrors { code } } }`;
  try {
    await english.mutate({ mutation });
  } catch (error) {
    const code = error?.errors?.[0]?.extensions?.code;
    return code === "UNAUTHENTICATED" ? null : `answered ${error?.message}`;
  }
  return "the mutation was not refused";
});

await check("the viewer query runs", async () => {
  const { data } = await english.query({ query: VIEWER });
  if (data.viewer.isAnonymous !== true) return "not anonymous";
});

console.log(JSON.stringify(report, null, 2));
process.exit(Object.values(report).every((r) => r === "ok") ? 0 : 1);
