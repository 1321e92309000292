import type { z } from 'zod';
import { bamboohrConnection, bamboohrDefaults } from './bamboohr.ts';
import type { PresetDefaults } from './common.ts';
import { hibobConnection, hibobDefaults } from './hibob.ts';
import { hubspotConnection, hubspotDefaults } from './hubspot.ts';
import { PRESET_NAMES, type PresetName } from './names.ts';
import { personioConnection, personioDefaults } from './personio.ts';
import { workdayConnection, workdayDefaults } from './workday.ts';

export { PRESET_NAMES, type PresetName } from './names.ts';

export const presetConnections = [
  bamboohrConnection,
  hibobConnection,
  personioConnection,
  workdayConnection,
  hubspotConnection,
] as const;
export type PresetConnection = z.output<(typeof presetConnections)[number]>;

const DEFAULTS: Record<PresetName, PresetDefaults> = {
  bamboohr: bamboohrDefaults,
  hibob: hibobDefaults,
  personio: personioDefaults,
  workday: workdayDefaults,
  hubspot: hubspotDefaults,
};

/**
 * A source as written, with its preset's mapping, leaver and webhook defaults under the user's own keys
 * (runs before validation, so the rest of kratos-sync sees an ordinary, complete source). Anything that
 * is not a preset source is returned as it is.
 */
export function withPresetDefaults(raw: unknown): unknown {
  if (!isObject(raw) || !isObject(raw.connection)) return raw;
  const name = raw.connection.preset;
  if (typeof name !== 'string' || !(PRESET_NAMES as readonly string[]).includes(name)) return raw;
  const defaults = DEFAULTS[name as PresetName];
  // A section of the wrong type is left as written, for validation to name it.
  return {
    ...raw,
    ...(raw.mapping === undefined || isObject(raw.mapping)
      ? { mapping: { ...defaults.mapping, ...raw.mapping } }
      : {}),
    ...(defaults.leaver && (raw.leaver === undefined || isObject(raw.leaver))
      ? { leaver: { ...defaults.leaver, ...raw.leaver } }
      : {}),
    // A webhook is only set up when the user writes one (it needs their secret).
    ...(isObject(raw.webhook) ? { webhook: { ...defaults.webhook, ...raw.webhook } } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
