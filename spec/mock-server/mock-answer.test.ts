import { describe, expect, it } from 'vitest';
import { answerPieces, continuePieces, jsonPieces } from '../../src/mock-server/mock-answer.js';

describe('answerPieces', () => {
  it('echoes up to eight words of the prompt, then fills with words chosen by the hash', () => {
    const pieces = answerPieces('  What   is the\ncapital of Peru?  ', 42, 10);
    expect(pieces.slice(0, 7)).toEqual(['Re:', ' What', ' is', ' the', ' capital', ' of', ' Peru?']);
    expect(pieces).toHaveLength(10);
    expect(pieces.at(-1)).toMatch(/^ [a-z]+\.$/);
    expect(answerPieces('one two three four five six seven eight nine ten', 1, 20).join('')).toMatch(/^Re: one two three four five six seven eight [a-z]/);
  });

  it('is a pure function of the key, hash and length', () => {
    expect(answerPieces('x', 5, 30)).toEqual(answerPieces('x', 5, 30));
    expect(answerPieces('x', 5, 30)).not.toEqual(answerPieces('x', 6, 30));
    expect(answerPieces('Hello there', 1, 2)).toEqual(['Re:', ' Hello.']);
  });

  it('keeps surrogate pairs whole when it shortens a very long word', () => {
    const word = `${'a'.repeat(31)}😀tail`;
    const echoed = answerPieces(word, 1, 3)[1] ?? '';
    expect(echoed).toBe(` ${'a'.repeat(31)}😀`);
  });
});

describe('jsonPieces', () => {
  it('cuts text into four-character pieces without splitting a surrogate pair', () => {
    expect(jsonPieces('{"a":"bcdef"}')).toEqual(['{"a"', ':"bc', 'def"', '}']);
    expect(jsonPieces('abc😀d').join('')).toBe('abc😀d');
    expect(jsonPieces('abc😀d')).toEqual(['abc😀', 'd']);
  });
});

describe('continuePieces', () => {
  const pieces = ['Re:', ' Hello', ' alpha', ' beta.'];
  it('returns the pieces after a prefix that ends on a piece boundary or inside one', () => {
    expect(continuePieces(pieces, '')).toBe(pieces);
    expect(continuePieces(pieces, 'Re: Hello')).toEqual([' alpha', ' beta.']);
    expect(continuePieces(pieces, 'Re: Hello al')).toEqual(['pha', ' beta.']);
    expect(continuePieces(pieces, 'Re: Hello alpha beta.')).toEqual([]);
  });

  it('answers in full when the prefix is not the start of the answer', () => {
    expect(continuePieces(pieces, 'Something else')).toBe(pieces);
    expect(continuePieces(pieces, 'Re: Hello alpha beta. and more')).toBe(pieces);
  });
});
