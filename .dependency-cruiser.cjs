// Import direction rules, checked by `npm run lint:deps` (and `npm test`). Why each exists:
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle means two modules are one concept split in two, or a missing port.",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-not-app-or-components",
      severity: "error",
      comment: "lib/ is the application; app/ (routes, pages) and components/ (UI) sit on top of it.",
      from: { path: "^lib/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "kaspi-port-not-payments",
      severity: "error",
      comment:
        "lib/kaspi/ is the Kaspi port and its adapters: it owns its status type and must not know the use cases in lib/payments/.",
      from: { path: "^lib/kaspi/" },
      to: { path: "^lib/payments/" },
    },
    {
      name: "components-not-server-only",
      severity: "error",
      comment:
        "components/ is bundled for the browser: it may not import the database, the environment (secrets), the composition root, Prisma or Node built-ins. Type-only imports are erased at build time and are allowed.",
      from: { path: "^components/" },
      to: {
        dependencyTypesNot: ["type-only"],
        path: [
          "^lib/db\\.ts$",
          "^lib/env\\.ts$",
          "^lib/container\\.ts$",
          "^lib/generated/",
          "^node_modules/(@prisma|prisma|better-sqlite3|pg)/",
        ],
      },
    },
    {
      name: "components-not-node-builtins",
      severity: "error",
      comment: "Node built-ins (node:crypto, node:fs, …) do not exist in the browser.",
      from: { path: "^components/" },
      to: { dependencyTypes: ["core"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(lib/generated|node_modules|\\.next)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
