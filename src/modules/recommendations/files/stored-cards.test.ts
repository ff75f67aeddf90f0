// shownCardFields reads what JSON.parse would, on the text the workers write, on rows converted
// from jsonb (a space after each comma) and on anything else.
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../../lib/random.ts';
import { shownCardFields } from './stored-cards.ts';

const byParse = (json: string) => (JSON.parse(json) as unknown[][]).flatMap((card) => [card[1], card[2], card[3]]);

describe('the fields an export shows of the stored cards', () => {
  const random = seededRandom(33);
  const pieces = ['HDFC', 'Regalia', ' ', '&', '<b>', '"', '\\', '\n', 'é', '₹', '😀', ',', ']', '[', '\u0001', 'null'];
  const text = () =>
    Array.from({ length: Math.floor(random() * 4) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
  const amount = () => Math.floor((random() - 0.3) * 10 ** Math.floor(random() * 12));
  const cards = () =>
    Array.from({ length: Math.floor(random() * 11) }, () => [
      random() < 0.2 ? null : Math.floor(random() * 1000),
      text(),
      text(),
      amount(),
      amount(),
      amount(),
    ]);

  it('match JSON.parse on 2,000 random rows, as written and as jsonb renders them', () => {
    for (let i = 0; i < 2_000; i++) {
      const value = cards();
      const written = JSON.stringify(value);
      // PostgreSQL's jsonb text: ", " between elements.
      const rendered = `[${value.map((c) => `[${c.map((v) => JSON.stringify(v)).join(', ')}]`).join(', ')}]`;
      for (const json of [written, rendered, ` ${rendered.replace(/\[/g, '[ ')} `]) {
        expect(shownCardFields(json)).toEqual(byParse(json));
      }
    }
  });

  it('read the plain form without JSON.parse, and hand anything else to it', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(shownCardFields('[]')).toEqual([]);
      expect(shownCardFields('[[7,"C1","Card, one",-1250,100,0]]')).toEqual(['C1', 'Card, one', -1250]);
      expect(shownCardFields('[[null, "C2", "Two]", 5, null, 3]]')).toEqual(['C2', 'Two]', 5]);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(shownCardFields('[[1,"C\\"3","x",5,0,0]]')).toEqual(['C"3', 'x', 5]);
    expect(() => shownCardFields('[[1,"C4","x",,0,0]]')).toThrow(SyntaxError);
    expect(() => shownCardFields('[[1,"C5","x",5,0,0]')).toThrow(SyntaxError);
  });
});
