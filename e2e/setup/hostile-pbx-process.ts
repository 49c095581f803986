// Hostile PBXs (hostile-pbx.ts) in a process of their own, so that writing their floods does not
// hold up the event loop of the test that measures the service meanwhile. Started with the floods
// as JSON in argv[2], every PBX held back; it prints "ready <ports as JSON>", and answers the lines
// "unleash" (every flood starts) and "report" (a JSON line of each PBX's flooded connections).
import { createInterface } from "node:readline";
import { startHostilePbx, type Flood } from "./hostile-pbx";

const floods = JSON.parse(process.argv[2] ?? "[]") as Flood[];
const pbxs = await Promise.all(floods.map((flood) => startHostilePbx(flood, { held: true })));
process.stdout.write(`ready ${JSON.stringify(pbxs.map((pbx) => pbx.port))}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "unleash") for (const pbx of pbxs) pbx.unleash();
  if (line === "report") process.stdout.write(`report ${JSON.stringify(pbxs.map((pbx) => pbx.floods))}\n`);
}
await Promise.all(pbxs.map((pbx) => pbx.close()));
