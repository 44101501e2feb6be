import { describe, expect, it } from 'vitest';
import { CLI_HEAP_GROWING_PERCENT, heapTuningFlags } from '../../src/cli/heap-tuning-flags.js';

describe('heapTuningFlags', () => {
  it('moderates V8 heap growth for the rxllm process', () => {
    expect(heapTuningFlags([])).toEqual([`--heap-growing-percent=${CLI_HEAP_GROWING_PERCENT}`]);
    expect(heapTuningFlags(['--max-old-space-size=4096'])).toEqual([`--heap-growing-percent=${CLI_HEAP_GROWING_PERCENT}`]);
  });

  it('leaves the growth alone when the user chose it on Node\'s command line', () => {
    expect(heapTuningFlags(['--heap-growing-percent=200'])).toEqual([]);
    expect(heapTuningFlags(['--heap_growing_percent', '10'])).toEqual([]);
  });
});
