import type { Identity } from '../domain/identity.ts';
import type { KratosClient } from '../kratos/types.ts';
import { isNotFound } from './kratos-errors.ts';

/** The identity by id, or null when Kratos answers 404 (deleted, or never there); other errors are thrown. */
export async function getIdentityOrNull(kratos: KratosClient, id: string): Promise<Identity | null> {
  try {
    return await kratos.getIdentity(id);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
