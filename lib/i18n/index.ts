// Client-safe translations for the shopper pages: no server imports here.
import { en } from "./en";
import { kk } from "./kk";
import { ru } from "./ru";
import type { Lang, Messages } from "./types";

export { LANGS, isLang, type Lang, type MessageKey, type Messages } from "./types";
export { pickLang } from "./pick-lang";
export { format } from "./format";

const dictionaries: Record<Lang, Messages> = { ru, kk, en };

export function messagesFor(lang: Lang): Messages {
  return dictionaries[lang];
}

export const LANG_NAMES: Record<Lang, string> = { ru: "Русский", kk: "Қазақша", en: "English" };
