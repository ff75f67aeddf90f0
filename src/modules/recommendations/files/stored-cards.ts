// What an export shows of a customer's stored cards (code, name and net savings of each), read from
// the stored JSON text (a json column: docs/decisions/0033-stored-cards-as-json.md). Parsing the text
// built ten arrays of six values a customer only for three of them to be used: a second of a
// 200,000-customer export's time on the thread that writes the file. The workers write the cards
// as `[[id,"code","name",net,rewards,fees],…]`; older rows, converted from jsonb, have a space after
// each comma. Anything else (an escaped character, another shape) goes through JSON.parse.
import type { StoredRecommendation } from '../../../db/tables/index.ts';

/** [code, name, net savings in paise, code, name, net, …] of the cards, in rank order. */
export type ShownCardFields = (string | number)[];

export function shownCardFields(json: string): ShownCardFields {
  return (json.indexOf('\\') < 0 && scan(json)) || parsed(json);
}

function parsed(json: string): ShownCardFields {
  const cards = JSON.parse(json) as StoredRecommendation[];
  const out: ShownCardFields = [];
  for (const card of cards) out.push(card[1], card[2], card[3]);
  return out;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** The fields, or null when the text is not in the plain form (no escapes) scanned here. */
function scan(s: string): ShownCardFields | null {
  const out: ShownCardFields = [];
  let p = 0;
  const skip = () => {
    while (p < s.length && isSpace(s.charCodeAt(p))) p++;
  };
  const expect = (c: string) => {
    skip();
    if (s[p] !== c) return false;
    p++;
    return true;
  };
  // A JSON string without escapes (the caller checked there are none in the whole text).
  const text = (): string | null => {
    skip();
    if (s[p] !== '"') return null;
    const end = s.indexOf('"', p + 1);
    if (end < 0) return null;
    const value = s.slice(p + 1, end);
    p = end + 1;
    return value;
  };
  if (!expect('[')) return null;
  skip();
  if (s[p] === ']') return out;
  for (;;) {
    if (!expect('[')) return null;
    // The card's id: a number or null, never a comma inside.
    const idEnd = s.indexOf(',', p);
    if (idEnd < 0) return null;
    p = idEnd + 1;
    const code = text();
    if (code === null || !expect(',')) return null;
    const name = text();
    if (name === null || !expect(',')) return null;
    skip();
    const first = s.charCodeAt(p);
    if (first !== 45 && !(first >= 48 && first <= 57)) return null;
    const netEnd = s.indexOf(',', p);
    if (netEnd < 0) return null;
    const net = Number(s.slice(p, netEnd));
    if (!Number.isSafeInteger(net)) return null;
    // Rewards and fees are numbers: the card ends at the next bracket.
    const close = s.indexOf(']', netEnd);
    if (close < 0) return null;
    p = close + 1;
    out.push(code, name, net);
    skip();
    if (s[p] === ',') p++;
    else if (s[p] === ']') break;
    else return null;
  }
  p++;
  skip();
  return p === s.length ? out : null;
}
