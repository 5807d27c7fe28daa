import { EnvError, parseEnv } from "@/lib/env";

/** The message of the EnvError parseEnv throws for the source, or "" when the source is accepted. */
export function envErrorMessage(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (e) {
    if (e instanceof EnvError) return e.message;
    throw e;
  }
  return "";
}
