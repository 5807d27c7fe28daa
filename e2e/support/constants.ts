// Shared by playwright.config.ts and the tests. The stub (e2e/support/bitrix-stub.mjs) reads the
// same values from its environment, which playwright.config.ts sets from these constants.

export const E2E_SECRET = "e2e-bitrix-shared-secret-0123456789";
// Ports can be moved (E2E_APP_PORT, E2E_STUB_PORT) so several checkouts of the project can run e2e at once.
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const STUB_PORT = Number(process.env.E2E_STUB_PORT ?? 3199);
/** The stub as the app reaches it (server to server). */
export const STUB_URL = `http://127.0.0.1:${STUB_PORT}`;
/** The stub's host page origin: deliberately another origin than the app's. */
export const BITRIX_ORIGIN = `http://localhost:${STUB_PORT}`;
