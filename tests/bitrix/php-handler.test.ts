import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { phpAvailable } from "../support/processes";

// Runs the PHP handler's own tests (integrations/bitrix/tests/run.php, php-cli against the Bitrix
// stand-in) as part of `vitest run`. CI installs php-cli; without it locally they are skipped.

const php = phpAvailable();
if (!php) console.warn("php is not installed: skipping the Bitrix handler's PHP tests (apt-get install -y php-cli)");

describe.skipIf(!php)("Bitrix payment handler (php-cli)", () => {
  it("every file of the handler package is valid PHP", () => {
    const files = spawnSync("find", ["integrations/bitrix", "-name", "*.php"], { encoding: "utf8" })
      .stdout.trim()
      .split("\n");
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) {
      const lint = spawnSync("php", ["-l", file], { encoding: "utf8" });
      expect(lint.status, `${file}: ${lint.stdout}${lint.stderr}`).toBe(0);
    }
  });

  it("passes integrations/bitrix/tests/run.php", () => {
    const run = spawnSync("php", ["integrations/bitrix/tests/run.php"], { encoding: "utf8", timeout: 60_000 });
    const output = `${run.stdout}${run.stderr}`;
    expect(output).not.toMatch(/^not ok/m);
    expect(output).toMatch(/^\d+ passed, 0 failed$/m);
    expect(Number(/^(\d+) passed/m.exec(output)?.[1])).toBeGreaterThanOrEqual(25);
    expect(run.status, output).toBe(0);
  });
});
