// Elements built from data. Every text goes in as a text node, never as HTML: names,
// titles and stories come from the API, and whoever wrote them may have written markup.

/** `<tag>` with attributes (null ones left out) and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/** A table with a caption, a header row and rows of cells (a cell: text or an element). */
export function table(caption, headers, rows) {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headers.map((header) => el("th", { scope: "col" }, header)))),
    el(
      "tbody",
      {},
      rows.map(({ cells, attributes = {} }) =>
        el(
          "tr",
          attributes,
          cells.map((cell, index) => el(index === 0 ? "th" : "td", index === 0 ? { scope: "row" } : {}, cell)),
        ),
      ),
    ),
  );
}
