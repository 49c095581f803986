// Import boundaries (docs/architecture.md, «Boundaries»), checked by `npm run lint:deps`.
// A capability is any folder of lib/ that is not shared ground; its index.ts is its only door.
const SHARED = "db|retailcrm|asterisk|http|net|crypto|cache|security|telephony|i18n|metrics|validations|generated";
const CAPABILITY = `lib/(?!(?:${SHARED})/)([^/]+)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
const config = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "An import cycle: two modules that need each other are one module, or one is in the wrong place.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "capability-door",
      comment: "A capability is entered by its index.ts only; everything else in it is private.",
      severity: "error",
      from: { path: "^lib/([^/]+)/" },
      to: { path: `^${CAPABILITY}`, pathNot: ["^lib/$1/", `^${CAPABILITY}index\\.ts$`] },
    },
    {
      name: "capability-door-from-outside-lib",
      comment: "Routes, pages, components, scripts and tests enter a capability by its index.ts too.",
      severity: "error",
      from: { pathNot: "^lib/" },
      to: { path: `^${CAPABILITY}`, pathNot: [`^${CAPABILITY}index\\.ts$`] },
    },
    {
      name: "shared-ground-imports-no-capability",
      comment: "Shared ground (db, retailcrm, asterisk, …) is beneath the capabilities and never imports one.",
      severity: "error",
      from: { path: `^lib/(?:${SHARED})/|^lib/(?:env|log)\\.ts$`, pathNot: "\\.test\\.ts$" },
      to: { path: `^${CAPABILITY}` },
    },
    {
      name: "lib-imports-no-app",
      comment: "lib/ is beneath the routes, pages and components.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(?:app|components)/" },
    },
    {
      name: "components-import-no-app",
      comment: "Components keep their actions beside them; nothing in components/ reaches into app/.",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^app/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^lib/generated/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};

export default config;
