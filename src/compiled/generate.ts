// Random valid read operations over the compilable part of the schema (packhouse, leads with their
// CRM sync, history and workflow runs, workflow definitions, courses with modules and lessons), for
// the differential test (compiled path against resolvers). Deterministic for a seed. Covers aliases,
// named and inline fragments, @skip/@include (literal and variable), nested connections with
// first/last/after/before, filters and orderings, node/nodes and id lookups with own, foreign,
// missing and malformed ids, __typename, fields only the resolvers compute (their operations fall
// back), and arguments the resolvers refuse (their errors must match too).
import { encodeCursor } from '../lib/cursor.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { pick } from '../lib/random.ts';
import { isoFromPg } from '../lib/time.ts';

export type Fixture = {
  batches: { id: number; code: string; intakeDate: string; growerId: number; packhouseId: number }[];
  growers: { id: number; name: string }[];
  packhouses: { id: number; name: string }[];
  /** Sort values as the resolvers' rows hold them (timestamps in PostgreSQL's text form). */
  leads: { id: number; name: string; createdAt: string; company: string | null; owner: string | null }[];
  events: { id: number; recordedAt: string }[];
  runs: { id: number; createdAt: string }[];
  definitions: { id: number; name: string }[];
  courses: { id: number; updatedAt: string }[];
  modules: { id: number; position: number }[];
  lessons: { id: number; position: number }[];
  /** Rows of the other tenant: their ids must read as null. */
  foreign: {
    batch: number;
    grower: number;
    packhouse: number;
    lead: number;
    event: number;
    run: number;
    definition: number;
    course: number;
    module: number;
    lesson: number;
  };
};

export type GeneratedOperation = { query: string; variables: Record<string, unknown> };

type TypeName =
  | 'Grower'
  | 'Packhouse'
  | 'Batch'
  | 'Lead'
  | 'CrmSync'
  | 'LeadEvent'
  | 'WorkflowRun'
  | 'WorkflowCurrentStep'
  | 'WorkflowDefinition'
  | 'Course'
  | 'CourseModule'
  | 'CourseLesson';

type ListName =
  | 'growers'
  | 'packhouses'
  | 'batches'
  | 'grower.batches'
  | 'packhouse.batches'
  | 'leads'
  | 'lead.history'
  | 'lead.workflowRuns'
  | 'workflowRuns'
  | 'workflowDefinitions'
  | 'courses'
  | 'course.modules'
  | 'module.lessons';

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
  Lead: [
    'id',
    'name',
    'email',
    'phone',
    'company',
    'source',
    'status',
    'owner',
    'score',
    'version',
    'createdAt',
    'updatedAt',
  ],
  CrmSync: ['state', 'attempts', 'lastError', 'syncedAt', 'syncedVersion', 'wantedVersion'],
  LeadEvent: ['id', 'kind', 'fromStatus', 'toStatus', 'note', 'recordedAt'],
  WorkflowRun: [
    'id',
    'status',
    'stepCount',
    'completedSteps',
    'progress',
    'error',
    'resumeAt',
    'createdAt',
    'startedAt',
    'finishedAt',
  ],
  WorkflowCurrentStep: ['position', 'key', 'kind'],
  WorkflowDefinition: ['id', 'name', 'version', 'createdAt'],
  Course: [
    'id',
    'title',
    'summary',
    'topic',
    'audience',
    'level',
    'status',
    'authors',
    'declaredMinutes',
    'publishedAt',
    'createdAt',
    'updatedAt',
  ],
  CourseModule: ['id', 'position', 'title', 'summary', 'objectives', 'updatedAt'],
  CourseLesson: [
    'id',
    'position',
    'title',
    'objectives',
    'body',
    'estimatedMinutes',
    'level',
    'prerequisites',
    'updatedAt',
  ],
};

/** Fields the resolvers compute (not declared for SQL): rare, and their operations must fall back alike. */
const RESOLVER_ONLY: Partial<Record<TypeName, string[]>> = {
  CrmSync: ['nextAttemptAt'],
  LeadEvent: ['changedFields', 'actor { kind id }'],
  WorkflowRun: ['steps { key status }'],
  WorkflowDefinition: ['steps { key kind }'],
  Course: ['exportLinks { json zip }'],
};

type Child = { field: string; type: TypeName; list?: ListName };
const CHILDREN: Record<TypeName, Child[]> = {
  Batch: [
    { field: 'grower', type: 'Grower' },
    { field: 'packhouse', type: 'Packhouse' },
  ],
  Grower: [{ field: 'batches', type: 'Batch', list: 'grower.batches' }],
  Packhouse: [{ field: 'batches', type: 'Batch', list: 'packhouse.batches' }],
  Lead: [
    { field: 'crmSync', type: 'CrmSync' },
    { field: 'history', type: 'LeadEvent', list: 'lead.history' },
    { field: 'workflowRuns', type: 'WorkflowRun', list: 'lead.workflowRuns' },
  ],
  CrmSync: [],
  LeadEvent: [{ field: 'lead', type: 'Lead' }],
  WorkflowRun: [
    { field: 'currentStep', type: 'WorkflowCurrentStep' },
    { field: 'lead', type: 'Lead' },
    { field: 'definition', type: 'WorkflowDefinition' },
  ],
  WorkflowCurrentStep: [],
  WorkflowDefinition: [],
  Course: [{ field: 'modules', type: 'CourseModule', list: 'course.modules' }],
  CourseModule: [
    { field: 'lessons', type: 'CourseLesson', list: 'module.lessons' },
    { field: 'course', type: 'Course' },
  ],
  CourseLesson: [
    { field: 'module', type: 'CourseModule' },
    { field: 'course', type: 'Course' },
  ],
};

const NODE_TYPES: TypeName[] = [
  'Batch',
  'Grower',
  'Packhouse',
  'Lead',
  'LeadEvent',
  'WorkflowRun',
  'WorkflowDefinition',
  'Course',
  'CourseModule',
  'CourseLesson',
];

const STATUSES = ['RECEIVED', 'GRADED', 'PACKED', 'DISPATCHED', 'REJECTED'];
const FRUITS = ['APPLE', 'PEAR', 'CITRUS', 'STONE_FRUIT', 'KIWIFRUIT', 'AVOCADO', 'GRAPE', 'BERRY'];
const BATCH_ORDERS = ['INTAKE_DATE_DESC', 'INTAKE_DATE_ASC', 'CODE_ASC', 'CODE_DESC'];
const NAME_ORDERS = ['NAME_ASC', 'NAME_DESC'];
const LEAD_ORDERS = ['CREATED_DESC', 'CREATED_ASC', 'NAME_ASC', 'NAME_DESC'];
const LEAD_STATUSES = ['NEW', 'CONTACTED', 'QUALIFIED', 'WON', 'LOST'];
const LEAD_SOURCES = ['WEB', 'REFERRAL', 'EVENT', 'PARTNER', 'IMPORT', 'OTHER'];
const COURSE_STATUSES = ['DRAFT', 'REVIEW', 'PUBLISHED', 'ARCHIVED'];
const SEARCHES = [
  'kowhai',
  'ana orchard',
  'ØRCHARD',
  '100%',
  'zeta_',
  '"q"',
  "o'brien",
  'company 3',
  'ko',
  'nothing here',
];

/** Each list's orderings (the first is the default), its orderBy type, and its filter. */
const LISTS: Record<ListName, { orders?: string[]; orderType?: string; filter?: 'batch' | 'lead' | 'course' }> = {
  growers: { orders: NAME_ORDERS, orderType: 'NameOrder' },
  packhouses: { orders: NAME_ORDERS, orderType: 'NameOrder' },
  batches: { orders: BATCH_ORDERS, orderType: 'BatchOrder', filter: 'batch' },
  'grower.batches': { orders: BATCH_ORDERS, orderType: 'BatchOrder', filter: 'batch' },
  'packhouse.batches': { orders: BATCH_ORDERS, orderType: 'BatchOrder', filter: 'batch' },
  leads: { orders: LEAD_ORDERS, orderType: 'LeadOrder', filter: 'lead' },
  'lead.history': {},
  'lead.workflowRuns': {},
  workflowRuns: {},
  workflowDefinitions: {},
  courses: { filter: 'course' },
  'course.modules': {},
  'module.lessons': {},
};

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

  list(field: string, list: ListName, type: TypeName): string {
    return `${this.key(field)}${this.connArgs(list)}${this.directive()} ${this.connection(type, 0)}`;
  }

  lookup(field: string, type: TypeName): string {
    const id = this.chance(0.8) ? this.typedId(type) : this.anyId();
    return `${this.key(field)}(id: ${this.arg('ID!', id, JSON.stringify(id))})${this.directive()} ${this.objectSelection(type, 1)}`;
  }

  root(): string {
    const roll = this.r();
    if (roll < 0.12) return this.list('growers', 'growers', 'Grower');
    if (roll < 0.18) return this.list('packhouses', 'packhouses', 'Packhouse');
    if (roll < 0.32) return this.list('batches', 'batches', 'Batch');
    if (roll < 0.48) return this.list('leads', 'leads', 'Lead');
    if (roll < 0.54) return this.lookup('lead', 'Lead');
    if (roll < 0.59) return this.list('workflowRuns', 'workflowRuns', 'WorkflowRun');
    if (roll < 0.62) return this.lookup('workflowRun', 'WorkflowRun');
    if (roll < 0.64) return this.list('workflowDefinitions', 'workflowDefinitions', 'WorkflowDefinition');
    if (roll < 0.76) return this.list('courses', 'courses', 'Course');
    if (roll < 0.82) return this.lookup('course', 'Course');
    if (roll < 0.93) {
      const id = this.anyId();
      return `${this.key('node')}(id: ${this.arg('ID!', id, JSON.stringify(id))}) ${this.nodeSelection(1)}`;
    }
    const ids = Array.from({ length: Math.floor(this.r() * 5) }, () => this.anyId());
    return `${this.key('nodes')}(ids: ${this.variable('[ID!]!', ids)}) ${this.nodeSelection(1)}`;
  }

  /** An own row's id of `type` (sometimes a foreign one). */
  typedId(type: TypeName): string {
    const fx = this.fx;
    const own: Partial<Record<TypeName, { id: number }[]>> = {
      Batch: fx.batches,
      Grower: fx.growers,
      Packhouse: fx.packhouses,
      Lead: fx.leads,
      LeadEvent: fx.events,
      WorkflowRun: fx.runs,
      WorkflowDefinition: fx.definitions,
      Course: fx.courses,
      CourseModule: fx.modules,
      CourseLesson: fx.lessons,
    };
    const foreign: Partial<Record<TypeName, number>> = {
      Batch: fx.foreign.batch,
      Grower: fx.foreign.grower,
      Packhouse: fx.foreign.packhouse,
      Lead: fx.foreign.lead,
      LeadEvent: fx.foreign.event,
      WorkflowRun: fx.foreign.run,
      WorkflowDefinition: fx.foreign.definition,
      Course: fx.foreign.course,
      CourseModule: fx.foreign.module,
      CourseLesson: fx.foreign.lesson,
    };
    if (this.chance(0.12)) return encodeGlobalId(type, foreign[type]!);
    if (this.chance(0.04)) return encodeGlobalId(type, pick(this.r, [0, 999_999, 2_147_483_648]));
    return encodeGlobalId(type, pick(this.r, own[type]!).id);
  }

  anyId(): string {
    const roll = this.r();
    if (roll < 0.7) return this.typedId(pick(this.r, NODE_TYPES));
    if (roll < 0.76) return encodeGlobalId('Batch', pick(this.r, [0, 999_999, 2_147_483_648, 99_999_999_999]));
    if (roll < 0.84) return encodeGlobalId(pick(this.r, ['Card', 'BatchEvent', 'Nope', 'CrmSync']), 1);
    if (roll < 0.9) return pick(this.r, ['not-an-id', '', 'QmF0Y2g6', '!!!', 'QmF0Y2g6LTE']);
    return this.typedId(pick(this.r, ['Batch', 'Lead', 'Course']));
  }

  connArgs(list: ListName): string {
    const nested = list.includes('.');
    const spec = LISTS[list];
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
    const order = spec.orders && this.chance(0.6) ? pick(this.r, spec.orders) : undefined;
    if (order) args.push(`orderBy: ${this.arg(spec.orderType!, order, order)}`);
    if (this.chance(0.35)) {
      const cursor = this.cursor(list, order ?? spec.orders?.[0] ?? '');
      args.push(`${backward ? 'before' : 'after'}: ${this.arg('String', cursor, JSON.stringify(cursor))}`);
    }
    if (spec.filter && this.chance(0.4)) args.push(`filter: ${this.filter(spec.filter)}`);
    // after with last (or before with first) is refused by the resolvers: both paths must say so alike.
    if (this.chance(0.03) && !args.some((a) => a.startsWith('after') || a.startsWith('before')))
      args.push(backward ? 'after: "x"' : 'before: "x"');
    return args.length ? `(${args.join(', ')})` : '';
  }

  cursor(list: ListName, order: string): string {
    const fx = this.fx;
    const roll = this.r();
    if (roll < 0.08) return pick(this.r, ['garbage', 'W10', encodeCursor('other:NAME_ASC', ['x', 1])]);
    switch (list) {
      case 'batches':
      case 'grower.batches':
      case 'packhouse.batches': {
        const b = pick(this.r, fx.batches);
        // Sometimes the other nested list's cursor: refused alike.
        const scope =
          list === 'batches' ? list : this.chance(0.2) ? pick(this.r, ['grower.batches', 'packhouse.batches']) : list;
        const values = order.startsWith('CODE') ? [b.code, b.id] : [b.intakeDate, b.id];
        if (roll < 0.12) return encodeCursor(`${scope}:${order}`, [values[0], 'x' as never]);
        return encodeCursor(`${scope}:${order}`, values);
      }
      case 'growers':
      case 'packhouses': {
        const row = pick(this.r, list === 'growers' ? fx.growers : fx.packhouses);
        return encodeCursor(`${list}:${order}`, [row.name, row.id]);
      }
      case 'leads': {
        const l = pick(this.r, fx.leads);
        const values = order.startsWith('NAME') ? [l.name, l.id] : [l.createdAt, l.id];
        if (roll < 0.12) return encodeCursor(`leads:${order}`, [values[0], 'x' as never]);
        // An ISO timestamp is a valid cursor value too (the resolvers' rows write PostgreSQL's form).
        if (roll < 0.16 && !order.startsWith('NAME'))
          return encodeCursor(`leads:${order}`, [isoFromPg(l.createdAt), l.id]);
        return encodeCursor(`leads:${order}`, values);
      }
      case 'lead.history': {
        const e = pick(this.r, fx.events);
        return encodeCursor('lead.history', [e.recordedAt, e.id]);
      }
      case 'lead.workflowRuns':
      case 'workflowRuns': {
        const run = pick(this.r, fx.runs);
        return encodeCursor(list, [run.createdAt, run.id]);
      }
      case 'workflowDefinitions': {
        const d = pick(this.r, fx.definitions);
        return encodeCursor('workflowDefinitions', [d.name, d.id]);
      }
      case 'courses': {
        const c = pick(this.r, fx.courses);
        return encodeCursor('courses:UPDATED_DESC', [c.updatedAt, c.id]);
      }
      case 'course.modules':
      case 'module.lessons': {
        const row = pick(this.r, list === 'course.modules' ? fx.modules : fx.lessons);
        if (roll < 0.12) return encodeCursor(list, [row.position, 2_147_483_648]);
        return encodeCursor(list, [row.position, row.id]);
      }
    }
  }

  filter(kind: 'batch' | 'lead' | 'course'): string {
    if (kind === 'lead') return this.leadFilter();
    if (kind === 'course') {
      const status = pick(this.r, COURSE_STATUSES);
      return `{ ${this.chance(0.8) ? `status: ${this.arg('CourseStatus', status, status)}` : ''} }`;
    }
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

  leadFilter(): string {
    const fx = this.fx;
    const parts: string[] = [];
    if (this.chance(0.3)) parts.push(`status: ${pick(this.r, LEAD_STATUSES)}`);
    if (this.chance(0.2)) parts.push(`source: ${pick(this.r, LEAD_SOURCES)}`);
    if (this.chance(0.2)) {
      const owner = pick(this.r, ['ana', 'ben', 'nobody', '']);
      parts.push(`owner: ${this.arg('String', owner, JSON.stringify(owner))}`);
    }
    // Instants from the leads' own, so ranges cut through the list (sometimes empty: refused alike).
    const instant = () => isoFromPg(pick(this.r, fx.leads).createdAt);
    if (this.chance(0.25)) {
      const from = instant();
      parts.push(`createdFrom: ${this.arg('DateTime', from, JSON.stringify(from))}`);
    }
    if (this.chance(0.25)) parts.push(`createdBefore: ${JSON.stringify(instant())}`);
    if (this.chance(0.35)) {
      const search = pick(this.r, SEARCHES);
      parts.push(`search: ${this.arg('String', search, JSON.stringify(search))}`);
    }
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
    const out = chosen.map((f) => `${this.key(f)}${this.directive()}`);
    const computed = RESOLVER_ONLY[type];
    if (computed && this.chance(0.04)) out.push(pick(this.r, computed));
    return out;
  }

  objectSelection(type: TypeName, depth: number): string {
    const parts = this.scalars(type);
    if (this.chance(0.1)) parts.push('__typename');
    if (depth < 3) {
      for (const child of CHILDREN[type]) {
        if (!this.chance(child.list ? 0.3 : 0.3)) continue;
        parts.push(
          child.list
            ? `${this.key(child.field)}${this.connArgs(child.list)}${this.directive()} ${this.connection(child.type, depth + 1)}`
            : `${this.key(child.field)}${this.directive()} ${this.objectSelection(child.type, depth + 1)}`,
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
    for (const type of NODE_TYPES) {
      if (this.chance(0.3)) parts.push(`... on ${type} ${this.objectSelection(type, depth)}`);
    }
    if (this.chance(0.1)) parts.push('... on Node { id }');
    if (!parts.length) parts.push('id');
    return `{ ${parts.join(' ')} }`;
  }
}
