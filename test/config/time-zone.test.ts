import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { isTimeZone } from '../../src/config/time-zone.ts';
import { configErrorOf, minimalConfig } from './config-fixture.ts';

const withLeaverZone = (timeZone: string) =>
  minimalConfig({
    sources: {
      hr: {
        connection: { type: 'csv', path: 'people.csv' },
        mapping: { key: 'employee_id', traits: '{"email": email}' },
        leaver: { policy: 'deactivate', when: 'status = "terminated"', timeZone },
      },
    },
  });

describe('time zones in the config', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a config in UTC (the default) loads without building an Intl.DateTimeFormat (start-up cost)', () => {
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    loadConfig({ object: minimalConfig(), env: {} });
    loadConfig({ object: withLeaverZone('UTC'), env: {} });
    expect(built).not.toHaveBeenCalled();
  });

  it('other zones are checked as before: a real one loads, a made-up one is refused naming the option', () => {
    expect(() => loadConfig({ object: withLeaverZone('Europe/Berlin'), env: {} })).not.toThrow();
    const message = configErrorOf(withLeaverZone('Mars/Olympus_Mons'));
    expect(message).toContain('sources.hr.leaver.timeZone');
    expect(message).toContain('"Mars/Olympus_Mons" is not an IANA time zone');
  });

  it('isTimeZone answers as Luxon does', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/GMT+5'])
      expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['', 'Mars/Olympus_Mons', 'Europe/Berlinn', 'not a zone'])
      expect(isTimeZone(zone), zone).toBe(false);
  });
});
