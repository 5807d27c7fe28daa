// Shared by playwright.config.ts and the tests. The stub (e2e/support/bitrix-stub.mjs) reads the
// same values from its environment, which playwright.config.ts sets from these constants.

export const E2E_SECRET = "e2e-bitrix-shared-secret-0123456789";
// Ports can be moved (E2E_APP_PORT, E2E_STUB_PORT) so several checkouts of the project can run e2e at once.
/** The Kaspi protocol this run tests (scripts/test.mjs runs the suite once per protocol). */
const requested = process.env.E2E_PROTOCOL ?? "ecom";
export const PROTOCOL = requested as "ecom" | "qr" | "checkpay";
const PORT_OFFSET = { ecom: 0, qr: 10, checkpay: 20 }[PROTOCOL];
// E2E_APP_PORT / E2E_STUB_PORT are bases: each protocol's run is offset from them, so the three runs never share a port.
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100) + PORT_OFFSET;
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
/** Each protocol's run has its own database (playwright.config.ts starts the app on it); E2E_DATABASE_URL
 * (postgresql://…/name) runs it on a PostgreSQL database of that name, made afresh. */
export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL || `file:./data/e2e-${PROTOCOL}.db`;
export const STUB_PORT = Number(process.env.E2E_STUB_PORT ?? 3199) - PORT_OFFSET;
/** The stub as the app reaches it (server to server). */
export const STUB_URL = `http://127.0.0.1:${STUB_PORT}`;
/** The stub's host page origin: deliberately another origin than the app's. */
export const BITRIX_ORIGIN = `http://localhost:${STUB_PORT}`;
