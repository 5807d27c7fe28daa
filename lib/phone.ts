// Kazakhstan mobile numbers, normalised to +7XXXXXXXXXX.
// Accepted: 8XXXXXXXXXX, 7XXXXXXXXXX, +7XXXXXXXXXX, with spaces, dashes and brackets
// as people type them, e.g. "+7 (701) 234-56-78". Anything else is rejected.

export function normalizePhone(input: string): string | null {
  const trimmed = input.trim();
  if (!/^\+?[\d\s()-]+$/.test(trimmed)) return null;
  const hasPlus = trimmed.startsWith("+");
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length !== 11) return null;
  const first = digits[0];
  if (hasPlus && first !== "7") return null;
  if (first !== "7" && first !== "8") return null;
  if (hasPlus && trimmed.indexOf("+") !== 0) return null;
  const national = digits.slice(1);
  // Kazakhstan's numbers are +7 7XX…; +7 9XX etc. are Russian and Kaspi cannot use them.
  if (!national.startsWith("7")) return null;
  return `+7${national}`;
}
