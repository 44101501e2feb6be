import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cliDir = join(import.meta.dirname, '../../src/cli');

/** Every relative import specifier of `source` that leaves `src/cli/`. */
function importsOutsideCli(source: string): string[] {
  const specifiers = [...source.matchAll(/\bfrom\s+'(\.\.\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.filter((specifier) => specifier.startsWith('../'));
}

describe('the CLI over the public API', () => {
  it('imports of src/ from src/cli are only src/index.ts and src/mock-server/index.ts', () => {
    const allowed = new Set(['../index.js', '../mock-server/index.js', '../../package.json']);
    const offending: string[] = [];
    for (const file of readdirSync(cliDir).filter((name) => name.endsWith('.ts'))) {
      for (const specifier of importsOutsideCli(readFileSync(join(cliDir, file), 'utf8'))) {
        if (!allowed.has(specifier)) offending.push(`${file}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
