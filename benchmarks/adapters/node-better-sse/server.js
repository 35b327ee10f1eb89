// A minimal better-sse server for `ssebench bench`.
//
// It broadcasts RATE events per second to every subscriber of GET /events
// through one better-sse Channel. Each event's data is a JSON object
// {"ts_us":<publish time, Unix µs>,"pad":"…"} of about PAYLOAD bytes, so
// ssebench measures fan-out latency with `latency: json:ts_us:us`.
//
//   cd benchmarks/adapters/node-better-sse && npm ci
//   node server.js --addr 127.0.0.1:8091 --rate 10 --payload 64
"use strict";

const http = require("node:http");
const { performance } = require("node:perf_hooks");
const { createSession, createChannel } = require("better-sse");

function flag(name, def) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const addr = flag("addr", "127.0.0.1:8091");
const rate = Number(flag("rate", "10"));
const payload = Number(flag("payload", "64"));
if (!(rate > 0) || !(payload >= 0)) {
  console.error(`--rate must be > 0 and --payload >= 0, got ${rate} and ${payload}`);
  process.exit(2);
}
const sep = addr.lastIndexOf(":");
const host = addr.slice(0, sep);
const port = Number(addr.slice(sep + 1));

const channel = createChannel();

const server = http.createServer(async (req, res) => {
  const path = req.url.split("?")[0];
  if (req.method === "GET" && path === "/events") {
    // keepAlive off: no comments between events, as the other targets.
    const session = await createSession(req, res, { keepAlive: null, retry: null });
    channel.register(session);
    return;
  }
  if (path === "/healthz") {
    res.end("ok\n");
    return;
  }
  res.writeHead(404).end();
});

// One event per 1/rate s on a fixed schedule; each carries its scheduled
// time, so a late publisher shows up as latency.
const everyMS = 1000 / rate;
const padLen = Math.max(payload - '{"ts_us":1796306699345653,"pad":""}'.length, 0);
const pad = "x".repeat(padLen);
let next = performance.now();
let seq = 0;
function tick() {
  next += everyMS;
  seq++;
  const ts = Math.round((performance.timeOrigin + next) * 1000);
  channel.broadcast({ ts_us: ts, pad }, "message", { eventId: String(seq) });
  setTimeout(tick, Math.max(0, next + everyMS - performance.now()));
}
setTimeout(tick, everyMS);

server.listen(port, host, () => {
  console.error(`better-sse adapter on http://${addr}/events, ${rate} events/s of ${payload} bytes`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
