// Client components import this (not ./index.ts, which holds every language's dictionary): the
// checkout page gets only its own language's messages, from the server, as a prop.

/** Fills "{name}" placeholders; an unknown placeholder is left as is so a missing value is visible. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}
