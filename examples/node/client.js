#!/usr/bin/env node
// A kbpredict client in Node.js: starts `kbpredict serve`, types a message key by key and prints
// the suggestion bar after each key, accepts a suggestion, then closes the server.
//
//   node examples/node/client.js [--model BUNDLE_DIR] [--text "see you tomorrow"]
//
// The server is `$KBPREDICT_PYTHON -m kbpredict serve` (default python3). Nothing here is
// specific to Node: any language that can write and read lines of JSON on a pipe does the same.
"use strict";

const { spawn } = require("node:child_process");
const readline = require("node:readline");

function parseArgs(argv) {
  const args = { model: null, text: "Are you free tomorrow night? See you at the " };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--model") args.model = argv[++i];
    else if (argv[i] === "--text") args.text = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

class KbpredictServer {
  constructor(model) {
    const python = process.env.KBPREDICT_PYTHON || "python3";
    const command = ["-m", "kbpredict", "serve", "--no-learn"].concat(model ? ["--model", model] : []);
    this.child = spawn(python, command, { stdio: ["pipe", "pipe", "inherit"] });
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject}
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      const response = JSON.parse(line);
      const waiter = this.pending.get(response.id);
      if (waiter) {
        this.pending.delete(response.id);
        waiter.resolve(response);
      }
    });
  }

  // Send one request; resolves with the response (ok or error).
  request(op, fields = {}) {
    const id = this.nextId++;
    return this.send(JSON.stringify({ id, op, ...fields }), id);
  }

  // Send a raw line (used below to show that a malformed line gets an error, not a crash).
  send(line, id) {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(line + "\n");
    });
  }

  close() {
    this.child.stdin.end(); // end of input: the server exits 0
    return this.exited;
  }
}

function bar(response) {
  if (!response.ok) return `error ${response.error.code}: ${response.error.message}`;
  return response.suggestions.map((s) => s.word).join(" | ");
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const server = new KbpredictServer(args.model);
  const opened = await server.request("open", { session: "message" });
  if (!opened.ok) throw new Error(opened.error.message);

  let last = null;
  for (const key of args.text) {
    last = await server.request("type", { session: "message", text: key });
    console.log(`${JSON.stringify(key)} -> ${bar(last)}`);
  }
  if (last && last.ok && last.suggestions.length > 0) {
    const word = last.suggestions[0].word;
    const accepted = await server.request("accept", { session: "message", word });
    console.log(`accept ${JSON.stringify(word)}: delete ${accepted.edit.delete}, insert ${JSON.stringify(accepted.edit.insert)} -> ${bar(accepted)}`);
  }
  const text = await server.request("text", { session: "message" });
  console.log(`text: ${JSON.stringify(text.text)}`);

  const broken = await server.send("{not json", null);
  console.log(`malformed line -> ${broken.error.code}`);

  await server.request("close", { session: "message" });
  const code = await server.close();
  console.log(`server exited with ${code}`);
  process.exit(code === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
