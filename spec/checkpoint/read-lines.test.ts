import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLines } from '../../src/cli/count-lines.js';
import { type Line, readLines } from '../../src/checkpoint/read-lines.js';
import { tempDir } from '../cli/support/cli-harness.js';

async function collect(chunks: Array<string | Uint8Array>, maxLineBytes?: number): Promise<Line[]> {
  const lines: Line[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of readLines(source(), maxLineBytes === undefined ? {} : { maxLineBytes })) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('splits on newlines across chunk boundaries, with numbers, offsets and byte lengths', async () => {
    const lines = await collect(['ab', 'c\nde\r', '\n\nlast']);
    expect(lines.map((line) => [line.text, line.number, line.offset, line.byteLength, line.terminated])).toEqual([
      ['abc', 1, 0, 4, true],
      ['de', 2, 4, 4, true],
      ['', 3, 8, 1, true],
      ['last', 4, 9, 4, false],
    ]);
  });

  it('keeps multi-byte characters split across chunks and drops a leading BOM', async () => {
    const bytes = Buffer.from('\uFEFF"héllo 🌍"\n', 'utf8');
    const pieces = Array.from(bytes, (byte) => Uint8Array.of(byte));
    const lines = await collect(pieces);
    expect(lines.map((line) => line.text)).toEqual(['"héllo 🌍"']);
    expect(lines[0]!.byteLength).toBe(bytes.length);
  });

  it('marks lines longer than the limit without keeping them, and goes on', async () => {
    const lines = await collect(['x'.repeat(10), 'y'.repeat(10), '\nok\n'], 15);
    expect(lines.map((line) => [line.text, line.tooLong, line.byteLength])).toEqual([
      ['', true, 21],
      ['ok', false, 3],
    ]);
  });

  it('reads lazily: the next chunk is pulled only when the next line is asked for', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield `line ${i}\n`;
      }
    }
    const iterator = readLines(source());
    await iterator.next();
    await iterator.next();
    expect(pulled).toBe(2);
    await iterator.return(undefined);
  });

  it('rebuilds any text exactly from its lines and offsets (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' })), fc.array(fc.nat(40), { minLength: 1 }), async (parts, cuts) => {
        // \r before a newline and a leading BOM are dropped by design; keep them out of this property.
        const text = parts.map((part) => part.replace(/[\r\uFEFF]/g, '')).join('\n');
        const bytes = Buffer.from(text, 'utf8');
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const size = Math.max(1, cuts[i % cuts.length]!);
          chunks.push(bytes.subarray(at, at + size));
          at += size;
        }
        const lines = await collect(chunks);
        const total = lines.reduce((sum, line) => sum + line.byteLength, 0);
        expect(total).toBe(bytes.length);
        expect(lines.map((line) => line.text).join('\n')).toBe(text.endsWith('\n') ? text.slice(0, -1) : text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('countLines', () => {
  it('counts non-empty lines, with or without a final newline', async () => {
    const { dir, remove } = await tempDir();
    try {
      const path = join(dir, 'p.jsonl');
      await writeFile(path, '"a"\n\n"b"\r\n\r\n"c"');
      expect(await countLines(path)).toBe(3);
      await writeFile(path, '"a"\n"b"\n');
      expect(await countLines(path)).toBe(2);
      await writeFile(path, '');
      expect(await countLines(path)).toBe(0);
    } finally {
      await remove();
    }
  });
});
