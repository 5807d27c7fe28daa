// PHP-style form bodies, the way Bitrix (a PHP application) posts them: a=1&b[c]=2&b[d][]=3.

const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

/** Parses a=1&b[c]=2&b[d][]=3 into nested objects, the way PHP fills $_POST. */
export function parsePhpForm(raw: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!m?.[1]) continue;
    const path = [m[1], ...[...(m[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? "")];
    // A key like __proto__[x] must never reach Object.prototype.
    if (path.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) continue;
    let node: Record<string, unknown> = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const name = segment === "" ? String(Object.keys(node).length) : segment;
      if (last) {
        node[name] = value;
      } else {
        const next = node[name];
        node = (typeof next === "object" && next !== null ? next : (node[name] = {})) as Record<string, unknown>;
      }
    });
  }
  return root;
}
