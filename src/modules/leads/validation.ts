// Checks on lead input that name the offending field. Pure: no I/O.
import { ValidationError } from '../../lib/errors.ts';

// Deliberately plain: one @, a dot in the domain, no spaces. What a CRM accepts, not RFC 5322.
const EMAIL =
  /^[^\s@"<>()[\],;:]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
// E.164-ish: an optional +, 7 to 15 digits, with spaces, dots, dashes or brackets between them.
const PHONE_CHARS = /^\+?[0-9 ().-]+$/;

export function emailProblem(email: string): string | null {
  if (email.length > 254) return 'must be at most 254 characters';
  if (!EMAIL.test(email)) return `"${email.slice(0, 80)}" is not an e-mail address (expected name@example.com)`;
  const tld = email.slice(email.lastIndexOf('.') + 1);
  if (/^\d+$/.test(tld)) return `"${email.slice(0, 80)}" has no valid domain`;
  return null;
}

export function phoneProblem(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (!PHONE_CHARS.test(phone) || digits.length < 7 || digits.length > 15) {
    return `"${phone.slice(0, 40)}" is not a phone number (7 to 15 digits, optionally starting with +, e.g. +64 21 555 0100)`;
  }
  return null;
}

export type ContactFields = {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  owner?: string | null;
};

/** Every problem of the given fields at once, each naming `prefix.field`. */
export function checkContact(values: ContactFields, prefix = 'input'): void {
  const issues: { field: string; message: string }[] = [];
  if (values.name != null && !values.name.trim())
    issues.push({ field: `${prefix}.name`, message: 'must not be blank' });
  if (values.name != null && values.name.length > 200)
    issues.push({ field: `${prefix}.name`, message: 'must be at most 200 characters' });
  if (values.email != null) {
    const problem = emailProblem(values.email.trim());
    if (problem) issues.push({ field: `${prefix}.email`, message: problem });
  }
  if (values.phone != null) {
    const problem = phoneProblem(values.phone.trim());
    if (problem) issues.push({ field: `${prefix}.phone`, message: problem });
  }
  for (const field of ['company', 'owner'] as const) {
    const v = values[field];
    if (v != null && v.length > 200)
      issues.push({ field: `${prefix}.${field}`, message: 'must be at most 200 characters' });
  }
  if (issues.length) throw new ValidationError(issues);
}
