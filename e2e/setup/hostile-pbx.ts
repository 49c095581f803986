// A PBX in an attacker's hands (docs/security.md, «АТС арендатора»): it speaks just enough AMI
// to be saved in «Настройки Asterisk» and connected to (the banner, Login, Ping, Logoff, an empty
// CoreShowChannels), and once a connection that logged in with events on has listed the channels,
// sends it what the test asks for:
// a flood of Newchannel events (each the one a real Asterisk 22 sent for a call from outside, as
// a new channel), a flood of events about one channel (its VarSet, again and again), or one
// header line that never ends. Not a simulator of Asterisk: an attacker.
import { createServer, type Socket } from "node:net";
import { transcriptEvents } from "../fixtures/ami-transcripts";
import { serializeAction } from "../../lib/asterisk/ami/message";

export type Flood =
  { kind: "newchannels"; count: number } | { kind: "chatter"; count: number } | { kind: "endless-line"; bytes: number };

/** One event connection the PBX flooded. */
export interface FloodedConnection {
  openedAt: number;
  /** When the service dropped it (or null while it is open). */
  closedAt: number | null;
  /** Bytes of the flood the socket took before it was closed. */
  bytesSent: number;
}

export interface HostilePbx {
  readonly port: number;
  /** The connections that logged in with events on, in order. */
  readonly floods: FloodedConnection[];
  /** Held back (`held`): starts the flood on the connections open now and on every later one. */
  unleash(): void;
  close(): Promise<void>;
}

const REAL_CALL = transcriptEvents("incoming-known-direct-answered");
const REAL_NEWCHANNEL = REAL_CALL.find((e) => e.Event === "Newchannel")!;
const REAL_VARSET = serializeAction(REAL_CALL.find((e) => e.Event === "VarSet")!);

function newchannel(n: number): string {
  const uniqueid = `1700000000.${n}`;
  return serializeAction({
    ...REAL_NEWCHANNEL,
    Channel: `PJSIP/trunk-${n.toString(16).padStart(8, "0")}`,
    CallerIDNum: `79${String(n).padStart(9, "0")}`,
    Uniqueid: uniqueid,
    Linkedid: uniqueid,
  });
}

/** Writes pieces as fast as the socket takes them, until `next` has none left or the socket is gone. */
function pour(socket: Socket, flood: FloodedConnection, next: () => string | null): void {
  const go = () => {
    for (;;) {
      if (socket.destroyed) return;
      const piece = next();
      if (piece === null) return;
      flood.bytesSent += Buffer.byteLength(piece);
      if (!socket.write(piece)) return void socket.once("drain", go);
    }
  };
  go();
}

function startFlood(socket: Socket, flood: Flood, record: FloodedConnection): void {
  if (flood.kind !== "endless-line") {
    const event = flood.kind === "newchannels" ? newchannel : () => REAL_VARSET;
    let n = 0;
    pour(socket, record, () => {
      if (n >= flood.count) return null;
      let batch = "";
      for (let i = 0; i < 200 && n < flood.count; i++) batch += event(n++);
      return batch;
    });
    return;
  }
  const piece = "x".repeat(64 * 1024);
  let sent = 0;
  socket.write("Event: VarSet\r\nPrivilege: dialplan,all\r\nVariable: EVIL\r\nValue: ");
  pour(socket, record, () => (sent >= flood.bytes ? null : ((sent += piece.length), piece)));
}

/** `held`: event connections are taken but sent nothing until unleash(). */
export async function startHostilePbx(flood: Flood, { held = false } = {}): Promise<HostilePbx> {
  const floods: FloodedConnection[] = [];
  const sockets = new Set<Socket>();
  const waiting: (() => void)[] = [];
  let loose = !held;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    socket.write("Asterisk Call Manager/9.0.0\r\n");
    let received = "";
    let events = false;
    socket.on("data", (chunk) => {
      received += chunk.toString("utf8");
      for (let end = received.indexOf("\r\n\r\n"); end >= 0; end = received.indexOf("\r\n\r\n")) {
        const block = received.slice(0, end);
        received = received.slice(end + 4);
        const field = (name: string) => new RegExp(`^${name}: *(.*)$`, "im").exec(block)?.[1]?.trim() ?? "";
        const action = field("Action").toLowerCase();
        const id = field("ActionID");
        const reply = (fields: Record<string, string>) => socket.write(serializeAction({ ...fields, ActionID: id }));
        if (action === "login") {
          reply({ Response: "Success", Message: "Authentication accepted" });
          events = field("Events").toLowerCase() !== "off";
        } else if (action === "coreshowchannels") {
          reply({ Response: "Success", EventList: "start", Message: "Channels will follow" });
          reply({ Event: "CoreShowChannelsComplete", EventList: "Complete", ListItems: "0" });
          // The service has taken up the calls in progress: the flood starts.
          if (events) {
            const record: FloodedConnection = { openedAt: Date.now(), closedAt: null, bytesSent: 0 };
            floods.push(record);
            socket.once("close", () => (record.closedAt = Date.now()));
            const go = () => {
              record.openedAt = Date.now();
              startFlood(socket, flood, record);
            };
            if (loose) go();
            else waiting.push(go);
          }
        } else if (action === "logoff") {
          reply({ Response: "Goodbye", Message: "Thanks for all the fish." });
          socket.end();
        } else {
          reply({ Response: "Success", Ping: "Pong", Timestamp: (Date.now() / 1000).toFixed(6) });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the hostile PBX has no port");
  return {
    port: address.port,
    floods,
    unleash() {
      loose = true;
      for (const go of waiting.splice(0)) go();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
