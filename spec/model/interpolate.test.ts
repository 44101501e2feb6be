import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, interpolate } from '../../src/index.js';

describe('interpolate()', () => {
  it('fills placeholders position by position, with or without spaces inside the braces', () => {
    expect(interpolate('Capital of {{ country }} in {{lang}}?', { country: ['Canada', 'Peru'], lang: ['French', 'Spanish'] })).toEqual([
      'Capital of Canada in French?',
      'Capital of Peru in Spanish?',
    ]);
    expect(interpolate('{{  a  }}{{a}}', { a: ['x'] })).toEqual(['xx']);
  });

  it('recycles scalars and length-1 arrays', () => {
    expect(interpolate('{{ q }} ({{ style }}, {{ n }})', { q: ['a', 'b', 'c'], style: 'terse', n: [3] })).toEqual([
      'a (terse, 3)',
      'b (terse, 3)',
      'c (terse, 3)',
    ]);
    expect(interpolate('{{ x }} {{ y }}', { x: 1, y: true })).toEqual(['1 true']);
    expect(interpolate('{{ big }}', { big: [10n ** 20n] })).toEqual(['100000000000000000000']);
  });

  it('returns the template once when it has no placeholders and no variables', () => {
    expect(interpolate('Just text, even { braces } and }}.', {})).toEqual(['Just text, even { braces } and }}.']);
  });

  it('gives no prompts for an empty array', () => {
    expect(interpolate('{{ q }} {{ style }}', { q: [], style: 'x' })).toEqual([]);
  });

  it('inserts values literally: placeholders inside values are not expanded', () => {
    expect(interpolate('{{ a }}|{{ b }}', { a: ['{{ b }}'], b: ['$& $1'] })).toEqual(['{{ b }}|$& $1']);
  });

  it('keeps a literal {{ written as \\{{', () => {
    expect(interpolate('JSON: \\{{"k": "{{ v }}"}}', { v: ['1', '2'] })).toEqual(['JSON: {{"k": "1"}}', 'JSON: {{"k": "2"}}']);
  });

  it('rejects arrays of different lengths, naming both', () => {
    expect(() => interpolate('{{ a }} {{ b }}', { a: [1, 2], b: [1, 2, 3] })).toThrow(InvalidOptionsError);
    expect(() => interpolate('{{ a }} {{ b }}', { a: [1, 2], b: [1, 2, 3] })).toThrow(/variables\.b: has 3 values but variables\.a has 2/);
  });

  it('rejects a placeholder without a variable', () => {
    expect(() => interpolate('{{ a }} {{ missing }}', { a: 'x' })).toThrow(/no variable for placeholder \{\{ missing \}\}/);
  });

  it('rejects a variable the template does not use (usually a typo)', () => {
    expect(() => interpolate('{{ country }}', { country: 'Peru', contry: 'Chile' })).toThrow(/variables\.contry: not used by the template \(placeholders: \{\{ country \}\}\)/);
  });

  it('rejects a {{ that is not a placeholder', () => {
    expect(() => interpolate('{{ 1abc }}', {})).toThrow(/"\{\{ 1abc \}\}" at offset 0 is not a placeholder/);
    expect(() => interpolate('open {{ name', { name: 'x' })).toThrow(/at offset 5/);
    expect(() => interpolate('{{}}', {})).toThrow(InvalidOptionsError);
  });

  it('rejects values that are not strings, numbers, booleans or bigints', () => {
    expect(() => interpolate('{{ a }}', { a: [{ x: 1 }] as never })).toThrow(/variables\.a\[0\]: expected a string.*got object/);
    expect(() => interpolate('{{ a }}', { a: null as never })).toThrow(/variables\.a: .*got null/);
    expect(() => interpolate('{{ a }}', { a: [[1]] as never })).toThrow(/got an array/);
  });

  it('rejects a template that is not a string and variables that are not an object', () => {
    expect(() => interpolate(5 as never, {})).toThrow(/template: expected a string/);
    expect(() => interpolate('x', ['a'] as never)).toThrow(/variables: expected an object/);
  });

  it('accepts names with dots, dashes, underscores and dollars', () => {
    expect(interpolate('{{ user.name }}-{{ _id }}-{{ a-b }}-{{ $x }}', { 'user.name': 'n', _id: 1, 'a-b': 'c', $x: 'd' })).toEqual(['n-1-c-d']);
  });

  describe("{ combine: 'cross' }", () => {
    it('gives every combination, the first variable varying slowest (like nested loops in declaration order)', () => {
      expect(interpolate('{{ model }}/{{ lang }}/{{ n }}', { model: ['a', 'b'], lang: ['en', 'fr', 'de'], n: 5 }, { combine: 'cross' })).toEqual([
        'a/en/5', 'a/fr/5', 'a/de/5',
        'b/en/5', 'b/fr/5', 'b/de/5',
      ]);
    });

    it('follows the variables object, not the order of the placeholders in the template', () => {
      expect(interpolate('{{ y }}{{ x }}', { x: ['1', '2'], y: ['a', 'b'] }, { combine: 'cross' })).toEqual(['a1', 'b1', 'a2', 'b2']);
    });

    it('accepts arrays of different lengths and gives length-product prompts', () => {
      const prompts = interpolate('{{ a }}{{ b }}{{ c }}', { a: [1, 2, 3], b: [1, 2, 3, 4], c: [1, 2] }, { combine: 'cross' });
      expect(prompts).toHaveLength(3 * 4 * 2);
      expect(new Set(prompts).size).toBe(24);
    });

    it('gives no prompts when any array is empty, and the template once with only scalars', () => {
      expect(interpolate('{{ a }}{{ b }}', { a: [1, 2], b: [] }, { combine: 'cross' })).toEqual([]);
      expect(interpolate('{{ a }}', { a: 'x' }, { combine: 'cross' })).toEqual(['x']);
      expect(interpolate('plain', {}, { combine: 'cross' })).toEqual(['plain']);
    });

    it("keeps position-by-position pairing as the default and as combine: 'zip'", () => {
      const variables = { a: [1, 2], b: ['x', 'y'] };
      expect(interpolate('{{ a }}{{ b }}', variables)).toEqual(['1x', '2y']);
      expect(interpolate('{{ a }}{{ b }}', variables, { combine: 'zip' })).toEqual(['1x', '2y']);
      expect(interpolate('{{ a }}{{ b }}', variables, {})).toEqual(['1x', '2y']);
    });

    it('validates the options, naming the field', () => {
      expect(() => interpolate('{{ a }}', { a: 1 }, { combine: 'product' } as never)).toThrow(InvalidOptionsError);
      expect(() => interpolate('{{ a }}', { a: 1 }, { combine: 'product' } as never)).toThrow(/interpolate\(\) options\.combine/);
      expect(() => interpolate('{{ a }}', { a: 1 }, { combin: 'cross' } as never)).toThrow(/interpolate\(\) options/);
      expect(() => interpolate('{{ a }}', { a: 1 }, 'cross' as never)).toThrow(/interpolate\(\) options/);
    });
  });
});
