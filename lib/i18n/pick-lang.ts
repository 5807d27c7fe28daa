import { isLang, type Lang } from "./types";

const DEFAULT_LANG: Lang = "ru";

// "kz" is what people (and some Bitrix sites) write for Kazakh; the ISO code is "kk".
function normalise(tag: string): string {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? "";
  return primary === "kz" ? "kk" : primary;
}

/**
 * The order's own language wins (Bitrix knows what the shopper chose), then the browser's
 * Accept-Language by q-value, then Russian.
 */
export function pickLang(orderLang: string | null | undefined, acceptLanguage: string | null | undefined): Lang {
  if (orderLang) {
    const fromOrder = normalise(orderLang);
    if (isLang(fromOrder)) return fromOrder;
  }
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(",")
      .map((part, index) => {
        const [tag = "", ...params] = part.split(";");
        const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
        const weight = q ? Number(q.slice(2)) : 1;
        return { lang: normalise(tag), weight: Number.isFinite(weight) ? weight : 0, index };
      })
      .filter((entry) => entry.weight > 0)
      .sort((a, b) => b.weight - a.weight || a.index - b.index);
    const match = ranked.find((entry) => isLang(entry.lang));
    if (match && isLang(match.lang)) return match.lang;
  }
  return DEFAULT_LANG;
}
