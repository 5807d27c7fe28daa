// Types of scripts/pg-database.mjs (plain JS so `node` runs it without a compiler).
export function databaseUrlFor(serverUrl: string, database: string): string;
export function databaseNameOf(url: string): string;
export function recreateDatabase(url: string, template?: string): Promise<void>;
export function dropDatabase(url: string): Promise<void>;
