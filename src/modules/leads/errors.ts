// Expected failures of lead and workflow mutations, returned as members of their result unions.

/** Another lead of the organization has this e-mail (compared case-insensitively). */
export class DuplicateLeadError extends Error {
  readonly field = 'input.email';
  readonly existingLeadId: number;
  constructor(email: string, existingLeadId: number) {
    super(`A lead with e-mail ${email} already exists in your organization (compared ignoring case).`);
    this.name = 'DuplicateLeadError';
    this.existingLeadId = existingLeadId;
  }
}

/** The Idempotency-Key was used before with a different request body. */
export class IdempotencyKeyReusedError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(
      `The Idempotency-Key "${key.slice(0, 100)}" was already used for a different request; send a new key for a new request.`,
    );
    this.name = 'IdempotencyKeyReusedError';
    this.key = key;
  }
}
