// Starts GraphiQL on the page api/graphiql.py serves: the API is this page's own address,
// the example query comes from the page, and a `#query=` in the address replaces it (the
// home page links dashboards that way).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("tablero-graphiql").textContent);
  var fromAddress = new URLSearchParams(window.location.hash.slice(1)).get("query");
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var props = { fetcher: fetcher, defaultQuery: config.query, defaultEditorToolsVisibility: true };
  if (fromAddress) {
    props.query = fromAddress;
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
