// The service's HTTP server: Next.js (production build, or --dev) behind a plain node:http
// server that stamps every request with the address of the socket it came on. Route handlers
// cannot learn that address any other way, and a client chooses X-Forwarded-For as it likes
// (docs/security.md). The header name is PEER_HEADER of lib/security/source-address.ts.
//
//   node scripts/serve.mjs [--dev] [-p PORT] [-H HOST]
import { createServer } from "node:http";
import next from "next";

const PEER_HEADER = "x-bridge-peer";

function option(flag, fallback) {
  const at = process.argv.indexOf(flag);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const dev = process.argv.includes("--dev");
const port = Number(option("-p", process.env.PORT ?? "3000"));
const host = option("-H", undefined);

const app = next({ dev, port, hostname: host ?? "localhost" });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  // Node lower-cases header names, so this replaces every spelling a client may have sent.
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
  handle(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
  });
});

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    // Stop taking connections, let the requests in progress finish, then leave.
    server.close(() => process.exit(signal === "SIGINT" ? 130 : 143));
    server.closeIdleConnections();
    setTimeout(() => process.exit(signal === "SIGINT" ? 130 : 143), 5_000).unref();
  });
}

server.listen(port, host, () => {
  console.log(`▲ ready on http://${host ?? "localhost"}:${port}${dev ? " (development)" : ""}`);
});
