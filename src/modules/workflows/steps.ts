// What each step kind does to a lead. Pure: given the lead and the step, the effect to write; the
// caller (tasks.ts) writes it with the step's row and the run's advance in one transaction.
import { STEP_KINDS, type Lead, type StepDefinition, type StepKind } from '../../db/tables/index.ts';

export type StepEffect = {
  output: Record<string, unknown>;
  leadPatch?: Partial<Pick<Lead, 'company' | 'score' | 'owner'>>;
  note?: string;
  /** Position to go to next (branch); the next step otherwise. */
  next?: number;
  waitSeconds?: number;
};

const FREE_MAIL = new Set([
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'icloud.com',
  'proton.me',
  'example.com',
]);
const SOURCE_POINTS: Record<Lead['source'], number> = {
  referral: 30,
  partner: 25,
  event: 20,
  web: 15,
  import: 10,
  other: 5,
};

export const MAX_STEPS = 50;
export const MAX_WAIT_SECONDS = 30 * 86_400;

/** Problems of a definition's steps, each naming `prefix.i.field`; empty when it can be saved. */
export function stepProblems(steps: unknown[], prefix = 'input.steps'): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (steps.length === 0) issues.push({ field: prefix, message: 'a workflow needs at least one step' });
  if (steps.length > MAX_STEPS) issues.push({ field: prefix, message: `a workflow has at most ${MAX_STEPS} steps` });
  const keys = new Map<string, number>();
  (steps as Partial<StepDefinition>[]).forEach((s, i) => {
    const at = `${prefix}.${i}`;
    if (typeof s.key !== 'string' || !/^[a-z0-9_-]{1,40}$/i.test(s.key))
      issues.push({ field: `${at}.key`, message: 'must be 1-40 letters, digits, _ or -' });
    else if (keys.has(s.key))
      issues.push({ field: `${at}.key`, message: `"${s.key}" is already the key of step ${keys.get(s.key)}` });
    else keys.set(s.key, i);
    if (!STEP_KINDS.includes(s.kind as StepKind)) {
      issues.push({
        field: `${at}.kind`,
        message: `unknown step kind "${String(s.kind).slice(0, 40)}"; known kinds: ${STEP_KINDS.join(', ')}`,
      });
      return;
    }
    if (s.kind === 'wait' && !(Number.isInteger(s.seconds) && s.seconds! >= 1 && s.seconds! <= MAX_WAIT_SECONDS)) {
      issues.push({ field: `${at}.seconds`, message: `a wait lasts 1 to ${MAX_WAIT_SECONDS} seconds` });
    }
    if (
      s.kind === 'assign' &&
      !(Array.isArray(s.owners) && s.owners.length > 0 && s.owners.every((o) => typeof o === 'string' && o.trim()))
    ) {
      issues.push({ field: `${at}.owners`, message: 'assign needs at least one owner' });
    }
    if (s.kind === 'notify' && !(typeof s.message === 'string' && s.message.trim() && s.message.length <= 500)) {
      issues.push({ field: `${at}.message`, message: 'notify needs a message of 1-500 characters' });
    }
    if (s.kind === 'branch') {
      const c = s.condition;
      if (
        !c ||
        !['score', 'status', 'source', 'company'].includes(c.field) ||
        !['gte', 'lt', 'eq', 'ne'].includes(c.op) ||
        typeof c.value !== 'string'
      ) {
        issues.push({
          field: `${at}.condition`,
          message: 'branch needs a condition { field: score|status|source|company, op: gte|lt|eq|ne, value }',
        });
      }
    }
  });
  // Branch targets must be later steps: a run moves forwards only, so each step runs at most once.
  (steps as Partial<StepDefinition>[]).forEach((s, i) => {
    if (s.kind !== 'branch') return;
    for (const target of ['then', 'else'] as const) {
      const key = s[target];
      if (key == null) continue;
      const to = keys.get(key);
      if (to === undefined) issues.push({ field: `${prefix}.${i}.${target}`, message: `no step has the key "${key}"` });
      else if (to <= i)
        issues.push({
          field: `${prefix}.${i}.${target}`,
          message: `a branch may only jump forwards (step "${key}" is not after this one)`,
        });
    }
  });
  return issues;
}

function conditionHolds(lead: Lead, c: NonNullable<StepDefinition['condition']>): boolean {
  const value = c.field === 'score' ? (lead.score ?? 0) : (lead[c.field] ?? '');
  if (c.op === 'eq') return String(value).toLowerCase() === c.value.toLowerCase();
  if (c.op === 'ne') return String(value).toLowerCase() !== c.value.toLowerCase();
  const a = Number(value);
  const b = Number(c.value);
  return c.op === 'gte' ? a >= b : a < b;
}

export function runStep(
  step: StepDefinition,
  steps: StepDefinition[],
  position: number,
  lead: Lead,
  runId: number,
): StepEffect {
  switch (step.kind) {
    case 'enrich': {
      const domain = lead.email.slice(lead.email.indexOf('@') + 1).toLowerCase();
      const label = domain.split('.')[0];
      const company = lead.company ?? (FREE_MAIL.has(domain) ? null : label.charAt(0).toUpperCase() + label.slice(1));
      return { output: { domain, company }, leadPatch: company !== lead.company ? { company } : undefined };
    }
    case 'score': {
      const corporate = !FREE_MAIL.has(lead.email.slice(lead.email.indexOf('@') + 1).toLowerCase());
      const score = Math.min(
        100,
        SOURCE_POINTS[lead.source] +
          (lead.phone ? 15 : 0) +
          (lead.company ? 20 : 0) +
          (corporate ? 20 : 0) +
          (lead.status === 'qualified' ? 15 : 0),
      );
      return { output: { score }, leadPatch: { score } };
    }
    case 'assign': {
      const owners = step.owners ?? [];
      const owner = owners[runId % owners.length];
      return { output: { owner }, leadPatch: { owner } };
    }
    case 'notify':
      return { output: { message: step.message }, note: step.message };
    case 'wait':
      return { output: { seconds: step.seconds }, waitSeconds: step.seconds };
    case 'branch': {
      const holds = conditionHolds(lead, step.condition!);
      const key = holds ? step.then : step.else;
      const next = key ? steps.findIndex((s) => s.key === key) : position + 1;
      return { output: { holds, next: steps[next]?.key ?? null }, next };
    }
  }
}
