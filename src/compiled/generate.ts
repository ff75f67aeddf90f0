// Random valid read operations over the compilable part of the packhouse schema, for the
// differential test (compiled path against resolvers). Deterministic for a seed. Covers aliases,
// named and inline fragments, @skip/@include (literal and variable), nested connections with
// first/last/after/before, filters and orderings, node/nodes with own, foreign, missing and
// malformed ids, __typename, and arguments the resolvers refuse (their errors must match too).
import { encodeCursor } from '../lib/cursor.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { pick } from '../lib/random.ts';

export type Fixture = {
  batches: { id: number; code: string; intakeDate: string; growerId: number; packhouseId: number }[];
  growers: { id: number; name: string }[];
  packhouses: { id: number; name: string }[];
  /** Rows of the other tenant: their ids must read as null. */
  foreign: { batch: number; grower: number; packhouse: number };
};

export type GeneratedOperation = { query: string; variables: Record<string, unknown> };

type TypeName = 'Grower' | 'Packhouse' | 'Batch';

const SCALARS: Record<TypeName, string[]> = {
  Grower: ['id', 'code', 'name', 'region', 'contactEmail', 'createdAt', 'updatedAt'],
  Packhouse: ['id', 'name', 'location', 'createdAt', 'updatedAt'],
  Batch: [
    'id',
    'code',
    'fruitType',
    'status',
    'harvestDate',
    'intakeDate',
    'grossWeightKg',
    'netWeightKg',
    'createdAt',
    'updatedAt',
  ],
};
const STATUSES = ['RECEIVED', 'GRADED', 'PACKED', 'DISPATCHED', 'REJECTED'];
const FRUITS = ['APPLE', 'PEAR', 'CITRUS', 'STONE_FRUIT', 'KIWIFRUIT', 'AVOCADO', 'GRAPE', 'BERRY'];
const BATCH_ORDERS = ['INTAKE_DATE_DESC', 'INTAKE_DATE_ASC', 'CODE_ASC', 'CODE_DESC'];
const NAME_ORDERS = ['NAME_ASC', 'NAME_DESC'];

export function generateOperation(random: () => number, fx: Fixture): GeneratedOperation {
  const g = new Generator(random, fx);
  return g.operation();
}

class Generator {
  readonly r: () => number;
  readonly fx: Fixture;
  vars: Record<string, unknown> = {};
  varDefs: string[] = [];
  fragments: string[] = [];
  aliasN = 0;
  constructor(random: () => number, fx: Fixture) {
    this.r = random;
    this.fx = fx;
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  variable(type: string, value: unknown): string {
    const name = `v${this.varDefs.length}`;
    this.varDefs.push(`$${name}: ${type}`);
    this.vars[name] = value;
    return `$${name}`;
  }

  /** An argument value written inline or passed as a variable. */
  arg(type: string, value: unknown, literal: string): string {
    return this.chance(0.4) ? this.variable(type, value) : literal;
  }

  key(name: string): string {
    if (!this.chance(0.25)) return name;
    return `a${++this.aliasN}: ${name}`;
  }

  directive(): string {
    if (!this.chance(0.15)) return '';
    const which = this.chance(0.5) ? 'skip' : 'include';
    const value = this.chance(0.5);
    const written = this.chance(0.5) ? this.variable('Boolean!', value) : String(value);
    return ` @${which}(if: ${written})`;
  }

  operation(): GeneratedOperation {
    const roots: string[] = [];
    const count = 1 + Math.floor(this.r() * 3);
    for (let i = 0; i < count; i++) roots.push(this.root());
    if (this.chance(0.1)) roots.push('__typename');
    const defs = this.varDefs.length ? `(${this.varDefs.join(', ')})` : '';
    const query = `query Op${defs} { ${roots.join(' ')} }${this.fragments.length ? ` ${this.fragments.join(' ')}` : ''}`;
    return { query, variables: this.vars };
  }

  root(): string {
    const roll = this.r();
    if (roll < 0.25)
      return `${this.key('growers')}${this.connArgs('Grower', false)}${this.directive()} ${this.connection('Grower', 0)}`;
    if (roll < 0.4)
      return `${this.key('packhouses')}${this.connArgs('Packhouse', false)}${this.directive()} ${this.connection('Packhouse', 0)}`;
    if (roll < 0.7)
      return `${this.key('batches')}${this.connArgs('Batch', false)}${this.directive()} ${this.connection('Batch', 0)}`;
    if (roll < 0.88) {
      const id = this.anyId();
      return `${this.key('node')}(id: ${this.arg('ID!', id, JSON.stringify(id))}) ${this.nodeSelection(1)}`;
    }
    const ids = Array.from({ length: Math.floor(this.r() * 5) }, () => this.anyId());
    return `${this.key('nodes')}(ids: ${this.variable('[ID!]!', ids)}) ${this.nodeSelection(1)}`;
  }

  anyId(): string {
    const fx = this.fx;
    const roll = this.r();
    if (roll < 0.3) return encodeGlobalId('Batch', pick(this.r, fx.batches).id);
    if (roll < 0.45) return encodeGlobalId('Grower', pick(this.r, fx.growers).id);
    if (roll < 0.55) return encodeGlobalId('Packhouse', pick(this.r, fx.packhouses).id);
    if (roll < 0.65)
      return encodeGlobalId(
        pick(this.r, ['Batch', 'Grower', 'Packhouse']),
        pick(this.r, [fx.foreign.batch, fx.foreign.grower, fx.foreign.packhouse]),
      );
    if (roll < 0.72) return encodeGlobalId('Batch', pick(this.r, [0, 999_999, 2_147_483_648, 99_999_999_999]));
    if (roll < 0.78) return encodeGlobalId(pick(this.r, ['Card', 'BatchEvent', 'Nope']), 1);
    if (roll < 0.84) return pick(this.r, ['not-an-id', '', 'QmF0Y2g6', '!!!', 'QmF0Y2g6LTE']);
    return encodeGlobalId('Batch', pick(this.r, fx.batches).id);
  }

  connArgs(type: TypeName, nested: boolean): string {
    const args: string[] = [];
    const max = nested ? 100 : 500;
    const backward = this.chance(0.3);
    const sizeRoll = this.r();
    const size =
      sizeRoll < 0.05
        ? 0
        : sizeRoll < 0.08
          ? max + 1
          : sizeRoll < 0.1
            ? -1
            : 1 + Math.floor(this.r() * (nested ? 4 : 8));
    if (this.chance(0.85)) args.push(`${backward ? 'last' : 'first'}: ${this.arg('Int', size, String(size))}`);
    const orders = type === 'Batch' ? BATCH_ORDERS : NAME_ORDERS;
    const order = this.chance(0.6) ? pick(this.r, orders) : undefined;
    if (order) args.push(`orderBy: ${this.arg(type === 'Batch' ? 'BatchOrder' : 'NameOrder', order, order)}`);
    if (this.chance(0.35)) {
      const cursor = this.cursor(type, nested, order ?? (type === 'Batch' ? 'INTAKE_DATE_DESC' : 'NAME_ASC'));
      args.push(`${backward ? 'before' : 'after'}: ${this.arg('String', cursor, JSON.stringify(cursor))}`);
    }
    if (type === 'Batch' && this.chance(0.4)) args.push(`filter: ${this.filter()}`);
    // after with last (or before with first) is refused by the resolvers: both paths must say so alike.
    if (this.chance(0.03) && !args.some((a) => a.startsWith('after') || a.startsWith('before')))
      args.push(backward ? 'after: "x"' : 'before: "x"');
    return args.length ? `(${args.join(', ')})` : '';
  }

  cursor(type: TypeName, nested: boolean, order: string): string {
    const fx = this.fx;
    const roll = this.r();
    if (roll < 0.08) return pick(this.r, ['garbage', 'W10', encodeCursor('other:NAME_ASC', ['x', 1])]);
    if (type === 'Batch') {
      const b = pick(this.r, fx.batches);
      const scope = nested ? pick(this.r, ['grower.batches', 'packhouse.batches']) : 'batches';
      const values = order.startsWith('CODE') ? [b.code, b.id] : [b.intakeDate, b.id];
      if (roll < 0.12) return encodeCursor(`${scope}:${order}`, [values[0], 'x' as never]);
      return encodeCursor(`${scope}:${order}`, values);
    }
    const rows = type === 'Grower' ? fx.growers : fx.packhouses;
    const row = pick(this.r, rows);
    return encodeCursor(`${type === 'Grower' ? 'growers' : 'packhouses'}:${order}`, [row.name, row.id]);
  }

  filter(): string {
    const fx = this.fx;
    const parts: string[] = [];
    if (this.chance(0.4)) parts.push(`status: ${pick(this.r, STATUSES)}`);
    if (this.chance(0.3)) parts.push(`fruitType: ${pick(this.r, FRUITS)}`);
    if (this.chance(0.2))
      parts.push(
        `grower: ${JSON.stringify(this.chance(0.85) ? encodeGlobalId('Grower', pick(this.r, fx.growers).id) : pick(this.r, ['bad', encodeGlobalId('Batch', 1), '']))}`,
      );
    if (this.chance(0.15))
      parts.push(`packhouse: ${JSON.stringify(encodeGlobalId('Packhouse', pick(this.r, fx.packhouses).id))}`);
    const date = () => pick(this.r, fx.batches).intakeDate;
    if (this.chance(0.3)) parts.push(`intakeFrom: ${this.arg('Date', date(), JSON.stringify(date()))}`);
    if (this.chance(0.3)) parts.push(`intakeTo: "${date()}"`);
    return `{ ${parts.join(', ')} }`;
  }

  connection(type: TypeName, depth: number): string {
    const parts: string[] = [];
    const edges = () => {
      const inner: string[] = [];
      if (this.chance(0.3)) inner.push(`${this.key('cursor')}${this.directive()}`);
      inner.push(`${this.key('node')}${this.directive()} ${this.objectSelection(type, depth)}`);
      if (this.chance(0.1)) inner.push('__typename');
      return `${this.key('edges')} { ${inner.join(' ')} }`;
    };
    parts.push(edges());
    if (this.chance(0.1)) parts.push(edges());
    if (this.chance(0.4)) {
      const pi = ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor', '__typename'].filter(() =>
        this.chance(0.5),
      );
      parts.push(`${this.key('pageInfo')} { ${pi.length ? pi.join(' ') : 'hasNextPage'} }`);
    }
    if (this.chance(0.1)) parts.push('__typename');
    return `{ ${parts.join(' ')} }`;
  }

  scalars(type: TypeName): string[] {
    const chosen = SCALARS[type].filter(() => this.chance(0.35));
    if (!chosen.length) chosen.push(pick(this.r, SCALARS[type]));
    return chosen.map((f) => `${this.key(f)}${this.directive()}`);
  }

  objectSelection(type: TypeName, depth: number): string {
    const parts = this.scalars(type);
    if (this.chance(0.1)) parts.push('__typename');
    if (depth < 3) {
      if (type === 'Batch') {
        if (this.chance(0.35))
          parts.push(`${this.key('grower')}${this.directive()} ${this.objectSelection('Grower', depth + 1)}`);
        if (this.chance(0.25)) parts.push(`${this.key('packhouse')} ${this.objectSelection('Packhouse', depth + 1)}`);
      } else if (this.chance(0.35)) {
        parts.push(
          `${this.key('batches')}${this.connArgs('Batch', true)}${this.directive()} ${this.connection('Batch', depth + 1)}`,
        );
      }
    }
    if (this.chance(0.15)) {
      const name = `F${this.fragments.length}`;
      this.fragments.push(`fragment ${name} on ${type} { ${this.scalars(type).join(' ')} }`);
      parts.push(`...${name}`);
    }
    if (this.chance(0.1)) parts.push(`... on ${type}${this.directive()} { ${this.scalars(type).join(' ')} }`);
    return `{ ${parts.join(' ')} }`;
  }

  nodeSelection(depth: number): string {
    const parts: string[] = [];
    if (this.chance(0.6)) parts.push('id');
    if (this.chance(0.3)) parts.push('__typename');
    for (const type of ['Batch', 'Grower', 'Packhouse'] as TypeName[]) {
      if (this.chance(0.5)) parts.push(`... on ${type} ${this.objectSelection(type, depth)}`);
    }
    if (this.chance(0.1)) parts.push('... on Node { id }');
    if (!parts.length) parts.push('id');
    return `{ ${parts.join(' ')} }`;
  }
}
