#!/usr/bin/env node
// Fails if any value in SECRET_CANARIES (comma-separated; the secrets the build ran with) appears
// in what a browser can download: .next/static, and the prerendered HTML/RSC payloads.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const canaries = (process.env.SECRET_CANARIES ?? "").split(",").filter((c) => c.length >= 8);
if (canaries.length === 0) {
  console.error("SECRET_CANARIES is empty: nothing to look for");
  process.exit(2);
}

function* files(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const roots = [join(root, ".next", "static"), join(root, ".next", "server", "app")];
let scanned = 0;
const leaks = [];
for (const dir of roots) {
  for (const file of files(dir)) {
    if (dir.endsWith("app") && !/\.(html|rsc|body|meta)$/.test(file)) continue;
    scanned++;
    const text = readFileSync(file, "utf8");
    for (const canary of canaries) if (text.includes(canary)) leaks.push(file);
  }
}
if (scanned === 0) {
  console.error("no build output found under .next/: run next build first");
  process.exit(2);
}
if (leaks.length) {
  console.error(`secret values found in ${leaks.length} client-visible file(s):\n${leaks.join("\n")}`);
  process.exit(1);
}
console.log(`no secret value in ${scanned} client-visible build files`);
