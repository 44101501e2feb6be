// rxllm/testing: offline test helpers. Not part of the main `rxllm` entry.

export { startMockServer } from './start-mock-server.js';
export type { MockServer } from './start-mock-server.js';
export type { MockRateLimitAlgorithm, MockRateLimitHeaders, MockServerOptions } from './mock-server-options.js';
export type { MockStats } from './mock-stats.js';
export { FAULT_KINDS } from './fault-kinds.js';
export type { FaultKind } from './fault-kinds.js';
export { runMockServerCommand } from './run-mock-server-command.js';
export type { MockServerCommandIo } from './run-mock-server-command.js';
export { MOCK_SERVER_USAGE, parseMockServerArgs } from './parse-mock-server-args.js';
