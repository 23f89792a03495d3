// The page's only way to Tablero: the public GraphQL API, as any front end would use it.
// Documents live in queries/*.graphql (register them for trusted-documents mode); the
// language travels in Accept-Language and a signed-in reader's token in Authorization,
// never in a URL.

const documents = new Map();

async function documentText(name) {
  if (!documents.has(name)) {
    const response = await fetch(`/static/dashboard/queries/${name}.graphql`);
    if (!response.ok) throw new ApiError("document", `${name}: ${response.status}`);
    documents.set(name, await response.text());
  }
  return documents.get(name);
}

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Run one of the page's documents; answers `data`, or throws an ApiError with a code. */
export async function run(name, variables, { language, token }) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (language) headers["accept-language"] = language;
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query: await documentText(name), variables }),
    credentials: "omit",
    cache: "no-store",
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError("UNAVAILABLE", `HTTP ${response.status}`);
  }
  const error = (body.errors || [])[0];
  if (response.status === 401) throw new ApiError("UNAUTHENTICATED", error?.message ?? "");
  if (error && !body.data) throw new ApiError(error.extensions?.code ?? "INTERNAL", error.message);
  return body.data;
}
