// The GraphQL-over-HTTP conformance audit of graphql-http, against a running Tablero.
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
// Prints one line per audit and exits 1 unless every audit passes (no error, no warning,
// no notice).
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const result of results) {
  if (result.status === "ok") {
    console.log(`ok      ${result.id} ${result.name}`);
  } else {
    failed += 1;
    const body = await result.response.text().catch(() => "");
    console.log(`${result.status.padEnd(7)} ${result.id} ${result.name}: ${result.reason} ${body}`);
  }
}
console.log(`audits: ${results.length - failed} ok, ${failed} not ok`);
process.exit(failed === 0 ? 0 : 1);
