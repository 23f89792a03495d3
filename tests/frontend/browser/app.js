// Reads the API's address and a token from the page's address (#api=…&token=…), asks for
// the demo's measures in Spanish with a request id of its own, and renders what comes back.
(async function () {
  "use strict";
  const params = new URLSearchParams(window.location.hash.slice(1));
  const headers = {
    "Content-Type": "application/json",
    "Accept": "application/graphql-response+json, application/json;q=0.9",
    "Accept-Language": "es",
    "X-Request-Id": "browser-page-1",
  };
  if (params.get("token")) {
    headers.Authorization = `Bearer ${params.get("token")}`;
  }
  const query = `{ collaborative(slug: "riverside") {
    name measures(first: 10) { nodes { id name partner { name } } } } }`;
  try {
    const response = await fetch(params.get("api"), {
      method: "POST",
      headers,
      body: JSON.stringify({ query }),
    });
    const answer = await response.json();
    const collaborative = answer.data.collaborative;
    document.getElementById("collaborative").textContent = collaborative.name;
    document.getElementById("language").textContent = response.headers.get("Content-Language");
    document.getElementById("request-id").textContent = response.headers.get("X-Request-Id");
    for (const measure of collaborative.measures.nodes) {
      const item = document.createElement("li");
      item.textContent = `${measure.name} (${measure.partner?.name ?? "—"})`;
      item.dataset.id = measure.id;
      document.getElementById("measures").append(item);
    }
  } catch (error) {
    document.getElementById("error").textContent = `error: ${error}`;
  }
})();
