// The layer table of DESIGN.md §3, checked by `npm run lint:layers` (dependency-cruiser).
// Each layer is one folder under src/; a layer may import itself and the layers listed here, nothing
// else in src. Static imports, re-exports and dynamic `import()` are all dependencies to
// dependency-cruiser, so a lazy `await import('../server/...')` is caught like a static one.
// `import type` is erased by TypeScript; it is seen here (tsPreCompilationDeps) and checked like any
// other import, except where a row below allows a layer's types only.
/** @type {Record<string, string[]>} layer → the layers it may use */
const mayUse = {
  cli: ['client', 'server', 'solutions', 'streams', 'config'],
  server: ['solutions', 'streams', 'automl', 'backbone', 'config'],
  solutions: ['streams', 'automl', 'backbone'],
  streams: ['automl', 'backbone'],
  automl: [],
  backbone: [],
  config: [],
  // the SDK is self-contained: it carries its own copies of the API's types
  client: [],
};
/** @type {Record<string, string[]>} layer → the layers whose types (only) it may use */
const mayUseTypesOf = {
  cli: ['backbone'],
};
// a dependency that TypeScript erases: `import type` and `export type`. Not `import('x').T` in a type
// position ('type-import'): dependency-cruiser keeps one entry per specifier and kind, so a file with
// both `typeof import('x')` and a value `await import('x')` would show only the type use.
const typeOnly = ['type-only'];

const layers = Object.keys(mayUse);

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const forbidden = [];
for (const layer of layers) {
  const allowed = [layer, ...mayUse[layer], ...(mayUseTypesOf[layer] ?? [])];
  const barred = layers.filter((other) => !allowed.includes(other));
  if (barred.length > 0) {
    forbidden.push({
      name: `layer-${layer}`,
      comment: `src/${layer} may use ${mayUse[layer].join(', ') || 'nothing else in src'} (DESIGN.md §3)`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${barred.join('|')})/` },
    });
  }
  for (const typesOf of mayUseTypesOf[layer] ?? []) {
    forbidden.push({
      name: `layer-${layer}-${typesOf}-types-only`,
      comment: `src/${layer} may use the types of src/${typesOf}, not its code (DESIGN.md §3)`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/${typesOf}/`, dependencyTypesNot: typeOnly },
    });
  }
}
// files directly in src/ belong to no layer: there are none, and a new one should pick its layer
forbidden.push({
  name: 'layer-unknown',
  comment: 'every file under src/ sits in a layer folder (DESIGN.md §3)',
  severity: 'error',
  from: { path: '^src/[^/]+$' },
  to: {},
});
forbidden.push({
  name: 'not-to-unresolvable',
  comment: 'an import that does not resolve cannot be checked against the layers',
  severity: 'error',
  from: { path: '^src/' },
  to: { couldNotResolve: true },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};
