#!/usr/bin/env node
// Keep the real MCP memory server (@modelcontextprotocol/server-memory) busy
// writing its file while something else (memtui sync) reads and replaces the
// same file, and record exactly what the server reported it created.
//
//   node mcp-race.mjs SERVER_JS MEMORY_FILE REPORT [--calls N] [--seed S]
//                     [--max-pause MS] [--slow-write MS] [--stop FILE]
//
// Spawns the server with MEMORY_FILE_PATH=MEMORY_FILE and makes N tool calls
// (default 300), one at a time, each after a pause of 0..MS ms (--max-pause,
// default 120). Pauses and choices come from a PRNG seeded with S (default
// 1), so the same arguments give the same sequence of calls. The calls mix:
//   create_entities   one fresh entity "race-<S>-<i>" (type "race") with one
//                     observation;
//   add_observations  one fresh observation to a random entity made earlier;
//   create_relations  a fresh relation between two entities made earlier.
// Only what a successful call reports as created is recorded (the server
// reports the entities, observations and relations it really added). Failed
// calls do not stop the run: they are counted and their text kept (an
// "Entity with name ... not found" means an entity the server created has
// vanished from its file). The run stops early once the --stop FILE exists.
//
// --slow-write MS: the server's rename of its temp file over MEMORY_FILE
// waits a random 0..MS ms (a hook loaded into the server's node with
// --import wraps fs.promises.rename), as on a slow or loaded disk: the time
// between the server reading the file and replacing it grows, and with it
// the chance that another writer replaces the file in between.
//
// REPORT is written at the end (also after an early stop) as JSON:
//   {"calls": N, "ok": N, "errors": ["<tool>: <text>", ...],
//    "entities": {"<name>": ["<observation>", ...]},
//    "relations": [["<from>", "<to>", "<relationType>"], ...],
//    "seed": S, "elapsed_ms": MS}
// Exit status: 0 when the report is written (even with failed calls); 1 if
// the server could not be started or died; 2 on bad arguments.
import { spawn } from "node:child_process";
import { existsSync, renameSync, writeFileSync } from "node:fs";

const USAGE = "usage: mcp-race.mjs SERVER_JS MEMORY_FILE REPORT [--calls N] [--seed S] " +
  "[--max-pause MS] [--slow-write MS] [--stop FILE]";
const argv = process.argv.slice(2);
const [serverJs, memoryFile, reportFile] = argv;
const opt = { calls: 300, seed: 1, "max-pause": 120, "slow-write": 0, stop: "" };
for (let i = 3; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "");
  if (!argv[i].startsWith("--") || !(k in opt) || argv[i + 1] === undefined) {
    console.error(USAGE);
    process.exit(2);
  }
  opt[k] = k === "stop" ? argv[i + 1] : Number(argv[i + 1]);
}
const CALLS = opt.calls, SEED = opt.seed, MAX_PAUSE = opt["max-pause"], SLOW_WRITE = opt["slow-write"];
const STOP_FILE = opt.stop;
if (!serverJs || !memoryFile || !reportFile || !Number.isInteger(CALLS) || CALLS < 0 ||
    !Number.isInteger(SEED) || !(MAX_PAUSE >= 0) || !(SLOW_WRITE >= 0)) {
  console.error(USAGE);
  process.exit(2);
}

// mulberry32: small, fast, good enough to make the run repeatable
let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rand() * list.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the --slow-write hook, run in the server's process before the server
const slowHook = `import fs from "node:fs";
const rename = fs.promises.rename;
fs.promises.rename = async (from, to) => {
  await new Promise((ok) => setTimeout(ok, Math.random() * ${SLOW_WRITE}));
  return rename(from, to);
};`;
const nodeArgs = SLOW_WRITE > 0 ? ["--import", "data:text/javascript," + encodeURIComponent(slowHook)] : [];
const child = spawn(process.execPath, [...nodeArgs, serverJs], {
  env: { ...process.env, MEMORY_FILE_PATH: memoryFile },
  stdio: ["pipe", "pipe", "pipe"],
});
let stderrTail = "";
child.stderr.on("data", (d) => { stderrTail = (stderrTail + d).slice(-2000); });
let buf = "";
const waiting = new Map();
let dead = null;
child.stdout.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (!line.trim()) continue;
    let msg;
    try { msg = JSON.parse(line); } catch { continue; }
    if (msg.id !== undefined && waiting.has(msg.id)) {
      waiting.get(msg.id).resolve(msg);
      waiting.delete(msg.id);
    }
  }
});
child.on("exit", (code, signal) => {
  dead = `the server exited (code ${code}, signal ${signal}): ${stderrTail.trim()}`;
  for (const w of waiting.values()) w.reject(new Error(dead));
  waiting.clear();
});
child.stdin.on("error", () => {});
// stopped from outside: take the server down too (the report is not written)
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    child.kill();
    process.exit(sig === "SIGTERM" ? 143 : 130);
  });
}
let nextId = 1;
function rpc(method, params) {
  if (dead) return Promise.reject(new Error(dead));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
  });
}
function resultText(r) {
  if (r.error) return r.error.message ?? JSON.stringify(r.error);
  return (r.result?.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join(" ");
}
function resultData(r) {
  if (r.result?.structuredContent) return r.result.structuredContent;
  return JSON.parse(resultText(r));
}

const report = { calls: 0, ok: 0, errors: [], entities: {}, relations: [], seed: SEED, elapsed_ms: 0 };
const made = []; // names the server reported created, in order
const relSeen = new Set();
let obsCount = 0;
const t0 = Date.now();

function writeReport() {
  report.elapsed_ms = Date.now() - t0;
  writeFileSync(reportFile + ".tmp", JSON.stringify(report, null, 1) + "\n");
  renameSync(reportFile + ".tmp", reportFile);
}

// the next call: [tool, arguments, record(result data)]
function nextCall(i) {
  const roll = rand();
  if (made.length < 2 || roll < 0.4) {
    const name = `race-${SEED}-${i}`;
    const obs = `first note of ${name}`;
    return ["create_entities", { entities: [{ name, entityType: "race", observations: [obs] }] }, (d) => {
      for (const e of d.entities ?? []) {
        report.entities[e.name] = [...e.observations];
        made.push(e.name);
      }
    }];
  }
  if (roll < 0.8) {
    const name = pick(made);
    const obs = `note ${++obsCount} of call ${i} on ${name}`;
    return ["add_observations", { observations: [{ entityName: name, contents: [obs] }] }, (d) => {
      for (const r of d.results ?? []) {
        const list = report.entities[r.entityName] ?? (report.entities[r.entityName] = []);
        list.push(...r.addedObservations);
      }
    }];
  }
  let from, to, key;
  for (let tries = 0; tries < 20; tries++) {
    from = pick(made);
    to = pick(made);
    key = JSON.stringify([from, to, `rel-${i}`]);
    if (from !== to && !relSeen.has(key)) break;
  }
  return ["create_relations", { relations: [{ from, to, relationType: `rel-${i}` }] }, (d) => {
    for (const r of d.relations ?? []) {
      const k = JSON.stringify([r.from, r.to, r.relationType]);
      if (!relSeen.has(k)) {
        relSeen.add(k);
        report.relations.push([r.from, r.to, r.relationType]);
      }
    }
  }];
}

async function main() {
  const init = await rpc("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "mcp-race", version: "1" },
  });
  if (init.error) throw new Error(JSON.stringify(init.error));
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
  for (let i = 0; i < CALLS; i++) {
    if (STOP_FILE && existsSync(STOP_FILE)) break;
    await sleep(Math.floor(rand() * (MAX_PAUSE + 1)));
    const [tool, toolArgs, record] = nextCall(i);
    report.calls++;
    const r = await rpc("tools/call", { name: tool, arguments: toolArgs });
    if (r.error || r.result?.isError) {
      report.errors.push(`${tool}: ${resultText(r)}`);
      continue;
    }
    try {
      record(resultData(r));
      report.ok++;
    } catch (e) {
      report.errors.push(`${tool}: unreadable result (${e.message}): ${resultText(r).slice(0, 200)}`);
    }
  }
  writeReport();
  child.stdin.end();
  child.kill();
}
main().catch((e) => {
  console.error("mcp-race:", e.message);
  try { writeReport(); } catch {}
  child.kill();
  process.exit(1);
});
