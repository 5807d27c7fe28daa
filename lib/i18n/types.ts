import type { ru } from "./ru";

export const LANGS = ["ru", "kk", "en"] as const;
export type Lang = (typeof LANGS)[number];

/** Every language must fill exactly the keys of the Russian dictionary. */
export type Messages = { readonly [K in keyof typeof ru]: string };
export type MessageKey = keyof Messages;

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}
