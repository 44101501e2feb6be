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
});
