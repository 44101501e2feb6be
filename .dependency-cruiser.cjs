// Import rules of src/: the twelve rules of ARCHITECTURE-MAP.md section 4, one `forbidden` entry (or a few sharing
// a name) per rule. Layers from the bottom: errors/ → types.ts, internal/ → transport/, rate-limiter/, progress/,
// model/, mock-server/ → providers/, cost/ → pipeline/ → promise/ → structured/ → index.ts → cli/ (batch/ sits above
// providers/ and promise/). Run: `npm run lint:imports`.

/** Paths (as dependency-cruiser reports them, from the repository root) of the lowest three: errors/, types.ts, internal/. */
const LOWEST = 'src/(errors/|types\\.ts$|internal/)';
/** Adapter factories, the only files of providers/ that may import model/custom-model.ts. */
const FACTORIES = '^src/providers/(openai-compatible/openai|anthropic/anthropic)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // 1
    { name: 'no-circular', severity: 'error', comment: 'No import cycle in src/.', from: { path: '^src/' }, to: { circular: true } },

    // 2
    {
      name: 'errors-ground',
      severity: 'error',
      comment: 'errors/ imports nothing of src/ outside itself.',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'errors-ground',
      severity: 'error',
      comment: 'types.ts imports only errors/, and only types.',
      from: { path: '^src/types\\.ts$' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'errors-ground',
      severity: 'error',
      comment: 'types.ts imports only errors/, and only types.',
      from: { path: '^src/types\\.ts$' },
      to: { path: '^src/errors/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'errors-ground',
      severity: 'error',
      comment: 'internal/ imports only errors/, types.ts and itself.',
      from: { path: '^src/internal/' },
      to: { path: '^src/', pathNot: `^${LOWEST}` },
    },

    // 3
    {
      name: 'services-low',
      severity: 'error',
      comment: 'transport/, rate-limiter/, progress/ and model/ import only the lowest three and themselves.',
      from: { path: '^src/(transport|rate-limiter|progress|model)/' },
      to: { path: '^src/', pathNot: [`^${LOWEST}`, '^src/$1/'] },
    },

    {
      name: 'services-low',
      severity: 'error',
      comment: 'checkpoint/ (results files) imports only the lowest three and itself; the pipeline and the CLI build on it.',
      from: { path: '^src/checkpoint/' },
      to: { path: '^src/', pathNot: [`^${LOWEST}`, '^src/checkpoint/'] },
    },

    // 4
    {
      name: 'undici-in-transport',
      severity: 'error',
      comment: 'Only transport/ imports undici and eventsource-parser.',
      from: { path: '^src/', pathNot: '^src/transport/' },
      to: { path: '(^|/)node_modules/(undici|eventsource-parser)/' },
    },

    // 5
    {
      name: 'providers-contract',
      severity: 'error',
      comment: 'providers/ imports only transport/, the model contract, its own files and the lowest three: nothing of cost/, progress/, rate-limiter/ or higher.',
      from: { path: '^src/providers/' },
      to: { path: '^src/', pathNot: [`^${LOWEST}`, '^src/(transport|model|providers)/'] },
    },
    {
      name: 'providers-contract',
      severity: 'error',
      comment: 'Of model/, providers/ imports only the contracts chat-provider.ts and batch-provider.ts (types) and, in the factories, custom-model.ts.',
      from: { path: '^src/providers/' },
      to: { path: '^src/model/', pathNot: '^src/model/(chat-provider|batch-provider|custom-model)\\.ts$' },
    },
    {
      name: 'providers-contract',
      severity: 'error',
      comment: 'providers/ imports only types from model/chat-provider.ts and model/batch-provider.ts.',
      from: { path: '^src/providers/' },
      to: { path: '^src/model/(chat-provider|batch-provider)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'providers-contract',
      severity: 'error',
      comment: 'Only the adapter factories import model/custom-model.ts.',
      from: { path: '^src/providers/', pathNot: FACTORIES },
      to: { path: '^src/model/custom-model\\.ts$' },
    },

    // 6
    {
      name: 'adapters-apart',
      severity: 'error',
      comment: 'An adapter (providers/<a>/) never imports another (providers/<b>/).',
      from: { path: '^src/providers/([^/]+)/' },
      to: { path: '^src/providers/[^/]+/', pathNot: '^src/providers/$1/' },
    },
    {
      name: 'adapters-apart',
      severity: 'error',
      comment:
        'Of the shared files of providers/, only the two that span every provider import adapters: chat-model-router.ts ' +
        '(a "provider/model" string to its adapter) and parse-rate-limit-headers.ts (the public reader of any provider\'s headers).',
      from: { path: '^src/providers/[^/]+$', pathNot: '^src/providers/(chat-model-router|parse-rate-limit-headers)\\.ts$' },
      to: { path: '^src/providers/[^/]+/' },
    },
    {
      name: 'adapters-apart',
      severity: 'error',
      comment: 'Outside providers/, only index.ts and batch/ import providers/.',
      from: { path: '^src/', pathNot: '^src/(providers/|index\\.ts$|batch/)' },
      to: { path: '^src/providers/' },
    },

    // 7
    {
      name: 'cost-below-pipeline',
      severity: 'error',
      comment: 'cost/ imports only model/, the lowest three and itself.',
      from: { path: '^src/cost/' },
      to: { path: '^src/', pathNot: [`^${LOWEST}`, '^src/(model|cost)/'] },
    },

    // 8
    {
      name: 'pipeline-neutral',
      severity: 'error',
      comment: 'pipeline/ never imports providers/ or transport/.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(providers|transport)/' },
    },
    {
      name: 'pipeline-neutral',
      severity: 'error',
      comment: 'pipeline/ imports only types from cost/.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/cost/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pipeline-neutral',
      severity: 'error',
      comment: 'Only pipeline/ imports pipeline/internal/.',
      from: { path: '^src/', pathNot: '^src/pipeline/' },
      to: { path: '^src/pipeline/internal/' },
    },

    // 9
    {
      name: 'wrappers-neutral',
      severity: 'error',
      comment: 'promise/ and structured/ never import transport/, providers/, rate-limiter/ or pipeline/internal/.',
      from: { path: '^src/(promise|structured)/' },
      to: { path: '^src/(transport|providers|rate-limiter|pipeline/internal)/' },
    },

    {
      name: 'wrappers-neutral',
      severity: 'error',
      comment: 'batch/ reaches the adapters only through the BatchProvider contract: it never imports transport/, providers/, rate-limiter/ or pipeline/internal/.',
      from: { path: '^src/batch/' },
      to: { path: '^src/(transport|providers|rate-limiter|pipeline/internal)/' },
    },

    // 10
    {
      name: 'cli-public-only',
      severity: 'error',
      comment: 'cli/ imports of src/ are index.ts and mock-server/index.ts only (and its own files).',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(cli/|index\\.ts$|mock-server/index\\.ts$)' },
    },

    // 11
    {
      name: 'mock-server-apart',
      severity: 'error',
      comment: 'mock-server/ imports only errors/, internal/ and itself (no wire code shared with the adapters).',
      from: { path: '^src/mock-server/' },
      to: { path: '^src/', pathNot: '^src/(mock-server|errors|internal)/' },
    },
    {
      name: 'mock-server-apart',
      severity: 'error',
      comment: 'Outside mock-server/, it is reached only through its index.ts.',
      from: { path: '^src/', pathNot: '^src/mock-server/' },
      to: { path: '^src/mock-server/', pathNot: '^src/mock-server/index\\.ts$' },
    },

    // 12
    {
      name: 'top-is-top',
      severity: 'error',
      comment: 'Nothing outside cli/ imports cli/.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'top-is-top',
      severity: 'error',
      comment: 'Only cli/ imports index.ts.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/index\\.ts$' },
    },

    // Keeps the rules above honest: an import that does not resolve is invisible to them.
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'Every import of src/ resolves to a file or a package.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: rules 2, 5 and 8 tell them apart from value imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
