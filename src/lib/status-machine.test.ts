import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { checkTransition, transitionProblem, type Transitions } from './status-machine.ts';

const DOOR: Transitions<'open' | 'closed' | 'locked' | 'gone'> = {
  open: ['closed', 'gone'],
  closed: ['open', 'locked'],
  locked: ['closed'],
  gone: [],
};

describe('status machine', () => {
  it('allows the moves its table lists', () => {
    expect(transitionProblem(DOOR, 'The door', 'open', 'closed')).toBeNull();
    expect(() => checkTransition(DOOR, 'The door', 'closed', 'locked')).not.toThrow();
  });

  it('names where the subject can go instead, in enum-value case', () => {
    expect(transitionProblem(DOOR, 'Door D-7', 'open', 'locked')).toBe(
      'Door D-7 is OPEN; it cannot move to LOCKED (it can move to CLOSED or GONE).',
    );
  });

  it('says a status with no moves is final, as a ValidationError on status', () => {
    let error: unknown;
    try {
      checkTransition(DOOR, 'The door', 'gone', 'open');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { field: 'status', message: 'The door is GONE; it cannot move to OPEN (it is final).' },
    ]);
  });
});
