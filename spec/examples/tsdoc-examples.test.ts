import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownCodeBlocks } from './support/markdown-code-blocks.js';
import { ROOT } from './support/run-example.js';
import {
  createExamplesProgram,
  type DocExample,
  docExamplesUnder,
  formatDiagnostics,
  type PublicExport,
  publicExports,
} from './support/tsdoc-examples.js';

// STYLE §7: every public function and operator has an @example that imports it from 'rxllm' (or 'rxllm/testing') and
// runs as pasted; every other public export (classes such as the error subclasses, types, constants) has a doc summary.
// Here every such example in src/, and every TypeScript block of README.md, is typechecked as a module of its own,
// with 'rxllm' mapped to src/index.ts: a renamed export, a wrong option or a changed signature fails this file.
// (Examples of internal helpers, which import nothing from 'rxllm', are shorthand and not checked.)

const ENTRIES: Record<string, string> = {
  [join(ROOT, 'src/index.ts')]: 'rxllm',
  [join(ROOT, 'src/mock-server/index.ts')]: 'rxllm/testing',
};
const VIRTUAL_DIR = join(ROOT, 'spec/examples/.tsdoc'); // in memory only: inside the repository so that rxjs, zod… resolve

/**
 * What README fragments may use without defining it: names the README defines in an earlier block. A block that uses
 * one and does not define it gets its declaration prepended.
 */
const README_CONTEXT: Record<string, string> = {
  gpt: "declare const gpt: import('rxllm').ChatModel;",
  prompts: 'declare const prompts: string[];',
  hugeAsyncIterable: 'declare const hugeAsyncIterable: AsyncIterable<string>;',
};

const importsRxllm = (code: string) => /from\s+['"]rxllm(\/testing)?['"]/.test(code);

const docExamples = docExamplesUnder(ROOT, 'src').filter((example) => importsRxllm(example.code));
const readmeBlocks = markdownCodeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
  .filter((block) => block.lang === 'ts')
  .map((block): DocExample => ({ file: 'README.md', line: block.line + 1, code: withReadmeContext(block.code) }));

const virtualPath = (example: DocExample) => join(VIRTUAL_DIR, `${example.file.replaceAll('/', '__')}-L${example.line}.ts`);

let program: ts.Program;
let exportsByName: Map<string, PublicExport>;

beforeAll(() => {
  const files = new Map([...docExamples, ...readmeBlocks].map((example) => [virtualPath(example), `${example.code}\nexport {};\n`]));
  program = createExamplesProgram(ROOT, files, Object.keys(ENTRIES));
  exportsByName = new Map(publicExports(program, ROOT, ENTRIES).map((entry) => [`${entry.entry} ${entry.name}`, entry]));
}, 60_000);

describe('public exports', () => {
  // Listed from the source text, so that each export is a test of its own; the program confirms the list below.
  const names = Object.entries(ENTRIES).flatMap(([path, entry]) =>
    exportedNames(readFileSync(path, 'utf8')).map((name) => ({ entry, name })),
  );

  it('are the ones listed here', () => {
    expect([...exportsByName.keys()].toSorted()).toEqual(names.map(({ entry, name }) => `${entry} ${name}`).toSorted());
  });

  for (const { entry, name } of names) {
    it(`${entry} › ${name} is documented: a summary, and an @example that imports it if it is a function`, () => {
      const found = exportsByName.get(`${entry} ${name}`);
      expect(found, `${name} is not exported by ${entry}`).toBeDefined();
      const { declaredAt, callable, summary, examples } = found!;
      expect(summary, `${name} (${declaredAt}) has no doc summary`).not.toBe('');
      if (!callable) return;
      expect(examples.length, `${name} (${declaredAt}) has no @example`).toBeGreaterThan(0);
      const importStatement = new RegExp(`import\\s+(type\\s+)?\\{[^}]*\\b${name}\\b[^}]*\\}\\s+from\\s+['"]${entry}['"]`);
      const message = `the @example of ${name} (${declaredAt}) does not import it from '${entry}'`;
      expect(examples.some((example) => importStatement.test(example)), message).toBe(true);
    });
  }
});

describe('@example blocks in src/ typecheck', () => {
  for (const example of docExamples) it(`${example.file}:${example.line}`, () => expectNoErrors(example));
});

describe('README.md TypeScript blocks typecheck', () => {
  for (const example of readmeBlocks) it(`README.md:${example.line}`, () => expectNoErrors(example));
});

function expectNoErrors(example: DocExample) {
  const source = program.getSourceFile(virtualPath(example));
  expect(source).toBeDefined();
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  expect(formatDiagnostics(diagnostics, ROOT), `${example.file}:${example.line}\n${example.code}`).toBe('');
}

/** The names an index file exports: `export { a, b as c }` and `export type { … }` lists. */
function exportedNames(indexSource: string): string[] {
  return [...indexSource.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/).at(-1)!.trim())
      .filter((name) => name !== ''),
  );
}

/** A README block followed by the declarations of the names it uses from earlier blocks (so its lines stay put). */
function withReadmeContext(code: string): string {
  const needed = Object.entries(README_CONTEXT)
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !new RegExp(`\\b(const|let|var|function)\\s+${name}\\b`).test(code))
    .map(([, declaration]) => declaration);
  return `${code}\n${needed.join('\n')}\n`;
}
