/**
 * The `mapping` options whose JSONata expression yields one value of the desired identity, in the order a
 * record is mapped. The mapper compiles and evaluates exactly these; `check-config` compiles the same list
 * (plus `scope`), so a config that passes the check never fails to compile at start-up.
 */
export const MAPPING_VALUE_FIELDS = [
  'externalId',
  'schemaId',
  'traits',
  'metadataPublic',
  'metadataAdmin',
  'state',
  'version',
] as const;
