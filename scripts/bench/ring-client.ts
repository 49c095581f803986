// The ring path's client of the tenants section, in a process of its own as Asterisk's CURL() is:
// in the bench process its latencies would include the waits of that process's own event loop,
// which also plays the CRMs and sends the dialplan accounts' calls (docs/performance.md).
//
//   RING_URL, RING_PATHS (JSON list of request paths), RING_PER_S, RING_WINDOW_S
// Asks each path once (so that the answer measured is the remembered one), then the paths in turn,
// RING_PER_S a second for RING_WINDOW_S; prints `ring {"latencies":[ms…],"failed":n,"nice":n}`.
//
// Asterisk asks from a machine of its own. Here the client shares the two cores with the service
// and the other simulators, and a response that arrives while it waits for a core would count its
// wait as the service's: so it runs at a higher priority than they do (docs/performance.md, «The
// ring path's client waited for a core»). Without the right to raise it, it runs as it is and says so.
import { getPriority, setPriority } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { LIKE_CURL } from "./curl";

const baseUrl = process.env.RING_URL!;
const paths = JSON.parse(process.env.RING_PATHS!) as string[];
const perS = Number(process.env.RING_PER_S);
const windowS = Number(process.env.RING_WINDOW_S);
const NICE = -10;

try {
  setPriority(NICE);
} catch {
  // Not permitted (no root, no CAP_SYS_NICE): `nice` in the result tells the section.
}

for (const path of paths)
  await fetch(baseUrl + path, { headers: LIKE_CURL }).then((response) => response.arrayBuffer());

const latencies: number[] = [];
let failed = 0;
const begun = Date.now();
for (let n = 0; n < perS * windowS; n++) {
  await sleep(Math.max(0, begun + (n * 1000) / perS - Date.now()));
  const sent = performance.now();
  const response = await fetch(baseUrl + paths[n % paths.length]!, { headers: LIKE_CURL });
  await response.arrayBuffer();
  if (response.ok) latencies.push(performance.now() - sent);
  else failed++;
}
console.log(`ring ${JSON.stringify({ latencies, failed, nice: getPriority() })}`);
