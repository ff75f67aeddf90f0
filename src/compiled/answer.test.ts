// A compiled answer goes out as PostgreSQL's text, and its result's data is that text parsed.
import { describe, expect, it } from 'vitest';
import { answerOfText } from './answer.ts';

describe('answerOfText', () => {
  const text = `{"growers":{"edges":[{"node":{"name":"Ana \\"A\\"","region":null}}]}}`;

  it('stringify writes the text as it came, with the other members around it in their order', () => {
    const result = answerOfText(text);
    const withCost = { ...result, extensions: { cost: { requested: 3, actual: 2 } } };
    const body = result.stringify(withCost);
    expect(body).toBe(`{"data":${text},"extensions":{"cost":{"requested":3,"actual":2}}}`);
    expect(body).toBe(JSON.stringify({ data: JSON.parse(text), extensions: withCost.extensions }));
  });

  it('data is the parsed answer', () => {
    expect(answerOfText(text).data).toEqual(JSON.parse(text));
  });

  it('a result whose data was replaced is serialised from its own data', () => {
    const result = answerOfText(text);
    expect(result.stringify({ ...result, data: { other: 1 } })).toBe('{"data":{"other":1}}');
  });
});
