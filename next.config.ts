import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Database drivers (native SQLite, pg) and Prisma adapters stay outside the bundle.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "pg", "@prisma/adapter-pg", "pino"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
