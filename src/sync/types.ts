/*
 * The engine's domain types live in src/domain/ (docs/architecture.md); they are re-exported here so the
 * code that imports them from sync/ keeps working while it moves over.
 */
export { MARKER_FIELD, type OwnershipMarker } from '../domain/ownership-marker.ts';
export type {
  ChangedField,
  DesiredIdentity,
  ManagedIdentity,
  PlanAction,
  PlanActionKind,
  QuarantinedRecord,
} from '../domain/plan.ts';
