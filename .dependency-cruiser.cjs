// Import direction rules, checked by `npm run lint:deps` (and `npm test`). Why each exists:

/** @returns {import('dependency-cruiser').IForbiddenRuleType} */
function rule(name, comment, from, to) {
  return { name, severity: "error", comment, from, to };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    rule(
      "no-circular",
      "A cycle means two modules are one concept split in two, or a missing port.",
      {},
      {
        circular: true,
      },
    ),
    rule(
      "lib-not-app-or-components",
      "lib/ is the application; app/ (routes, pages) and components/ (UI) sit on top of it.",
      { path: "^lib/" },
      { path: "^(app|components)/" },
    ),
    rule(
      "kaspi-port-not-payments",
      "lib/kaspi/ is the Kaspi port and its adapters: it owns its status type and must not know the use cases in lib/payments/.",
      { path: "^lib/kaspi/" },
      { path: "^lib/payments/" },
    ),
    rule(
      "components-not-server-only",
      "components/ is bundled for the browser: it may not import the database, the environment (secrets), the composition root or Prisma. Type-only imports are erased at build time and are allowed.",
      { path: "^components/" },
      {
        dependencyTypesNot: ["type-only"],
        path: [
          "^lib/db\\.ts$",
          "^lib/env\\.ts$",
          "^lib/container\\.ts$",
          "^lib/generated/",
          "^node_modules/(@prisma|prisma|better-sqlite3|pg)/",
        ],
      },
    ),
    rule(
      "components-not-node-builtins",
      "Node built-ins (node:crypto, node:fs, …) do not exist in the browser.",
      { path: "^components/" },
      { dependencyTypes: ["core"] },
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(lib/generated|node_modules|\\.next)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
