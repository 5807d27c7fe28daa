import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native SQLite driver and Prisma adapters stay outside the bundle.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "pino"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
