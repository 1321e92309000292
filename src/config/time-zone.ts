import { IANAZone } from 'luxon';

/**
 * Whether `zone` is an IANA time zone name, as Luxon reads them. 'UTC' (the default wherever the config
 * takes a zone) is answered without asking Luxon: Luxon checks a name by building an Intl.DateTimeFormat,
 * and the first one in a process loads ICU's time-zone data (10-25 ms of every start-up, measured), which a
 * run in UTC never needs otherwise (Luxon keeps UTC dates on a fixed offset).
 */
export function isTimeZone(zone: string): boolean {
  return zone === 'UTC' || IANAZone.isValidZone(zone);
}
