import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";

// Runs once per `vitest run`: migrates a template SQLite database that every test file copies,
// so each file gets a fresh, fully migrated database without running migrations again.

const TEMPLATE_DB = path.resolve("data/test-template.db");

export default function setup(): void {
  mkdirSync(path.dirname(TEMPLATE_DB), { recursive: true });
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${TEMPLATE_DB}${suffix}`, { force: true });
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: "file:./data/test-template.db" },
    stdio: "pipe",
  });
}
