/**
 * Every vendor preset of the HTTP source (`connection.preset`), one file each. A module of its own with no
 * imports, so `kratos-sync init --help` can offer the names without loading the config schema.
 */
export const PRESET_NAMES = ['bamboohr', 'hibob', 'personio', 'workday', 'hubspot'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
