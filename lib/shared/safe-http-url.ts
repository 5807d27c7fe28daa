// Shared by server pages and client components (no server-only imports here).

/**
 * Links and return URLs come from outside (Kaspi, Bitrix, the sandbox); only http(s) ones are
 * ever put in an href, so a `javascript:` or `data:` URL can never run in our origin.
 */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
