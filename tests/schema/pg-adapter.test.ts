import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "../../scripts/pg-database.mjs";

// Why @prisma/client 6.19.3 runs with @prisma/adapter-pg 7.10.1, pinned by running the CLI's
// `migrate deploy` through both adapters on fresh PostgreSQL databases: the matching 6.19.3 adapter
// fails (prisma/orm#27403: "Column type 'name' could not be deserialized"), 7.10.1 applies every
// migration. When this test says 6.19.3 works, the project can drop the mismatch.

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const server = process.env.TEST_DATABASE_URL_PG;
const made: string[] = [];

afterAll(async () => {
  for (const url of made) await dropDatabase(url).catch(() => undefined);
});

async function deploy(config: string | null): Promise<{ ok: boolean; output: string }> {
  const url = databaseUrlFor(server ?? "", `kc_adapter_${process.pid}_${made.length}`);
  await recreateDatabase(url);
  made.push(url);
  try {
    const { stdout, stderr } = await run(
      "npx",
      ["prisma", "migrate", "deploy", ...(config ? ["--config", config] : [])],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url },
        timeout: 120_000,
      },
    );
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe.skipIf(!server)("the PostgreSQL driver adapter (PostgreSQL only)", () => {
  it("the app's adapter (7.x) applies every migration with migrate deploy", { timeout: 180_000 }, async () => {
    const version = (
      JSON.parse(readFileSync(join(root, "node_modules/@prisma/adapter-pg/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    expect(version).toMatch(/^7\./);
    const result = await deploy(null);
    expect(result.output).toContain("successfully applied");
    expect(result.ok).toBe(true);
  });

  it("the adapter matching the client (6.19.3) cannot run migrate deploy", { timeout: 180_000 }, async () => {
    const result = await deploy("tests/schema/fixtures/prisma-pg6.config.ts");
    expect(result.ok).toBe(false);
    expect(result.output).toContain("could not be deserialized");
  });
});
