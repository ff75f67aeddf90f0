// The status machines of batches, courses and leads: where each status may go next, and the one error
// that says why a move is refused, in the API's words (statuses as their GraphQL enum values).
import { ValidationError } from './errors.ts';

/** For each status, the statuses it may move to; an empty list makes it final. */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Why `subject` ("The lead", "Batch B-104") cannot move from `from` to `to`, or null when it can. */
export function transitionProblem<S extends string>(
  transitions: Transitions<S>,
  subject: string,
  from: S,
  to: S,
): string | null {
  const allowed = transitions[from];
  if (allowed.includes(to)) return null;
  const upper = (s: string) => s.toUpperCase();
  const next = allowed.length ? `it can move to ${allowed.map(upper).join(' or ')}` : 'it is final';
  return `${subject} is ${upper(from)}; it cannot move to ${upper(to)} (${next}).`;
}

/** Throws a ValidationError on the `status` argument when the move is not allowed. */
export function checkTransition<S extends string>(transitions: Transitions<S>, subject: string, from: S, to: S): void {
  const problem = transitionProblem(transitions, subject, from, to);
  if (problem) throw ValidationError.of('status', problem);
}
