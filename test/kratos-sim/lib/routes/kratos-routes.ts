import type { Profile } from '../profiles.ts';
import type { Route } from '../router.ts';
import { batchCreateIdentities } from './identities-batch.ts';
import {
  createIdentity,
  deleteCredential,
  deleteIdentity,
  getIdentity,
  getIdentityByExternalId,
  updateIdentity,
} from './identities-crud.ts';
import { listIdentities } from './identities-list.ts';
import { patchIdentity } from './identities-patch.ts';
import {
  getSchema,
  healthAlive,
  healthReady,
  listMySessions,
  listSchemas,
  revokeMyOtherSessions,
  revokeMySession,
  version,
  whoami,
} from './public.ts';
import { createRecoveryCode, createRecoveryLink } from './recovery-admin.ts';
import { recoveryWithCode, recoveryWithToken } from './self-service-recovery.ts';
import {
  deleteIdentitySessions,
  extendSession,
  getSession,
  listIdentitySessions,
  listSessions,
  redirectSessionsV010,
  revokeSession,
} from './sessions-admin.ts';

/**
 * Which route exists in which release: `when` reads the profile's route features (profiles.ts). A path
 * registered for some methods answers 405 for the others; a path not registered at all answers the
 * plain-text 404.
 */
const jsonPatch = (p: Profile) => p.routes.jsonPatch;
const batchCreate = (p: Profile) => p.routes.batchCreate;
const adminSessions = (p: Profile) => p.routes.adminSessions;
const noAdminSessions = (p: Profile) => !p.routes.adminSessions;

export const KRATOS_ROUTES: Route[] = [
  { method: 'GET', template: '/admin/identities', handler: listIdentities },
  { method: 'POST', template: '/admin/identities', handler: createIdentity },
  { method: 'PATCH', template: '/admin/identities', when: batchCreate, handler: batchCreateIdentities },
  {
    method: 'GET',
    template: '/admin/identities/by/external/{externalID}',
    when: (p) => p.routes.externalIdLookup,
    handler: getIdentityByExternalId,
  },
  { method: 'GET', template: '/admin/identities/{id}', handler: getIdentity },
  { method: 'PUT', template: '/admin/identities/{id}', handler: updateIdentity },
  { method: 'PATCH', template: '/admin/identities/{id}', when: jsonPatch, handler: patchIdentity },
  { method: 'DELETE', template: '/admin/identities/{id}', handler: deleteIdentity },
  {
    method: 'DELETE',
    template: '/admin/identities/{id}/credentials/{type}',
    when: (p) => p.routes.deleteCredential,
    handler: deleteCredential,
  },
  { method: 'GET', template: '/admin/identities/{id}/sessions', handler: listIdentitySessions },
  { method: 'DELETE', template: '/admin/identities/{id}/sessions', handler: deleteIdentitySessions },
  { method: 'POST', template: '/admin/recovery/link', handler: createRecoveryLink },
  {
    method: 'POST',
    template: '/admin/recovery/code',
    when: (p) => p.routes.recoveryCode,
    handler: createRecoveryCode,
  },
  { method: 'GET', template: '/admin/sessions', when: adminSessions, handler: listSessions },
  { method: 'GET', template: '/admin/sessions', when: noAdminSessions, handler: redirectSessionsV010 },
  { method: 'GET', template: '/admin/sessions/{id}', when: adminSessions, handler: getSession },
  { method: 'DELETE', template: '/admin/sessions/{id}', when: adminSessions, handler: revokeSession },
  {
    method: 'DELETE',
    template: '/admin/sessions/{id}',
    when: noAdminSessions,
    handler: redirectSessionsV010,
  },
  { method: 'PATCH', template: '/admin/sessions/{id}/extend', handler: extendSession },
  { method: 'GET', template: '/admin/health/alive', handler: healthAlive },
  { method: 'GET', template: '/admin/health/ready', handler: healthReady },
  { method: 'GET', template: '/admin/version', handler: version },
  // Public port.
  { method: 'GET', template: '/sessions/whoami', handler: whoami },
  { method: 'GET', template: '/sessions', handler: listMySessions },
  { method: 'DELETE', template: '/sessions', handler: revokeMyOtherSessions },
  { method: 'DELETE', template: '/sessions/{id}', handler: revokeMySession },
  { method: 'GET', template: '/health/alive', handler: healthAlive },
  { method: 'GET', template: '/health/ready', handler: healthReady },
  { method: 'GET', template: '/schemas', handler: listSchemas },
  { method: 'GET', template: '/schemas/{id}', handler: getSchema },
  { method: 'GET', template: '/self-service/recovery', handler: recoveryWithToken },
  { method: 'POST', template: '/self-service/recovery', handler: recoveryWithCode },
];
