// The Kratos admin client's public surface.
export { createKratosClient, type CreateKratosClientOptions } from './client.ts';
export { capabilitiesFor, detectCapabilities } from './detect.ts';
export { KratosError, type KratosErrorEnvelope } from './errors.ts';
export type { KratosClientEventMap } from './availability.ts';
