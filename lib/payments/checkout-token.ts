// The checkout token in /pay/{token} and /api/checkout/{token}/…: the only key the shopper's
// browser has (unguessable, URL-safe). Defined here once; the path patterns, the API schema and
// the page's check are built from it.

/** The token's characters and length as a regular-expression source, for patterns of whole paths. */
export const CHECKOUT_TOKEN_SOURCE = "[A-Za-z0-9_-]{16,64}";

/** A whole string that is token-shaped. */
export const CHECKOUT_TOKEN = new RegExp(`^${CHECKOUT_TOKEN_SOURCE}$`);
