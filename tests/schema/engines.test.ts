import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// `engines.node` in package.json is a promise to whoever installs the app: every direct dependency
// (development ones too: `npm test` is part of the quick start) must run on its lowest version.
// @axe-core/playwright 4.14 wanted Node ≥ 22.12 while the app said ≥ 20.9; this keeps them agreeing.

const require = createRequire(import.meta.url);
const semver = require("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};
const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe("engines.node", () => {
  const lowest = semver.minVersion(pkg.engines.node)?.version ?? "";

  it("is a range with a lowest version, and this machine's Node is in it", () => {
    expect(lowest).toMatch(/^\d+\.\d+\.\d+$/);
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it("every direct dependency runs on the lowest Node the app promises", () => {
    const refusing: string[] = [];
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      const manifest = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
        engines?: { node?: string };
      };
      const wanted = manifest.engines?.node;
      if (wanted && !semver.satisfies(lowest, wanted))
        refusing.push(`${name}@${manifest.version} wants node ${wanted}`);
    }
    expect(refusing).toEqual([]);
  });
});
