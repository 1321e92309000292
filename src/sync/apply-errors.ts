import { coerceError, SyncError } from '../errors/catalogue.ts';
import { catalogueCode } from '../errors/describe-error.ts';
import type { ReportError } from '../domain/run-report.ts';

/**
 * An error as a report, the audit trail and logs may keep it: the stable code and a message stripped of
 * values. Kratos' schema errors quote the offending value (`I[#/traits/email] S[…] "jo@" is not valid
 * "email"`), and traits are personal data, so every quoted string and every email address is blanked; the
 * instance path (`#/traits/email`) and the rule stay, which is what an operator needs to fix the record.
 */
export function describeFailure(err: unknown, fallbackCode = 'SYNC_ERR_KRATOS_REJECTED'): ReportError {
  const code = catalogueCode(err) ?? fallbackCode;
  return { code, message: withoutValues(coerceError(err).message) };
}

export function withoutValues(text: string): string {
  return text
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/[^\s@"'<>()[\]]+@[^\s@"'<>()[\]]+\.[A-Za-z]{2,}/g, '<email>')
    .slice(0, 500);
}

/** The create may have reached Kratos although no answer came (timeout, dropped connection, 502/504). */
export function maybeApplied(err: unknown): boolean {
  return (err as { maybeApplied?: unknown } | null)?.maybeApplied === true;
}

/** Kratos errors are per-item outcomes; anything else thrown by our own code is a bug and stops the run. */
export function isKratosFailure(err: unknown): boolean {
  return err instanceof SyncError;
}
