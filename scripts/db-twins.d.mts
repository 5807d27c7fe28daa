// Types of scripts/db-twins.mjs (plain JS so `node` runs it without a compiler).
export const root: string;
export const SQLITE_SCHEMA: string;
export const PG_SCHEMA: string;
export const SQLITE_MIGRATIONS: string;
export const PG_MIGRATIONS: string;
export function postgresSchemaFrom(sqliteText: string): string;
export function sqliteSchemaFrom(postgresText: string): string;
export function comparable(text: string): string;
export function migrationNames(dir: string): string[];
export function missingTwins(): { postgres: string[]; sqlite: string[] };
export function migrateDiff(args: string[], options?: { postgres?: boolean }): string;
export function isEmptyMigration(sql: string): boolean;
