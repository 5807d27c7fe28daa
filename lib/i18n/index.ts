// Client-safe translations for the shopper pages: no server imports here.
import { en } from "./en";
import { kk } from "./kk";
import { ru } from "./ru";
import type { Lang, Messages } from "./types";

export { LANGS, isLang, type Lang, type MessageKey, type Messages } from "./types";
export { pickLang } from "./pick-lang";

const dictionaries: Record<Lang, Messages> = { ru, kk, en };

export function messagesFor(lang: Lang): Messages {
  return dictionaries[lang];
}

/** Fills "{name}" placeholders; an unknown placeholder is left as is so a missing value is visible. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

export const LANG_NAMES: Record<Lang, string> = { ru: "Русский", kk: "Қазақша", en: "English" };
