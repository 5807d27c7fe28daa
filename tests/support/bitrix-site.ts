import { rmSync } from "node:fs";
import path from "node:path";
import { startPhpServer, type Proc } from "./processes";

// The stand-in 1C-Bitrix site (integrations/bitrix/tests/site/router.php under PHP's built-in
// server) with the real payment handler, for the tests that run it against the app as processes.

export type BitrixSite = Proc & {
  /** The site's payments and the notifications it received, as it recorded them. */
  state: <T>() => Promise<T>;
};

/**
 * Starts the site on `port` with a fresh state file, its handler set to reach the app at `appUrl`
 * with `secret`. It accepts sandbox payments: the app runs on its Kaspi sandbox in these tests.
 */
export async function startBitrixSite(options: {
  port: number;
  appUrl: string;
  secret: string;
  stateFile: string;
}): Promise<BitrixSite> {
  for (const f of [options.stateFile, `${options.stateFile}.lock`]) rmSync(f, { force: true });
  const site = await startPhpServer({
    port: options.port,
    router: path.resolve("integrations/bitrix/tests/site/router.php"),
    env: {
      KASPI_STANDIN_STATE: options.stateFile,
      KASPI_APP_URL: options.appUrl,
      KASPI_SHARED_SECRET: options.secret,
      KASPI_ACCEPT_SANDBOX: "Y",
    },
  });
  return { ...site, state: async <T>() => (await (await fetch(`${site.url}/state`)).json()) as T };
}
