import type { PresetConnection } from '../../config/sections/presets/index.ts';
import type { HttpSourcePlan } from '../http/http-source-plan.ts';
import { bamboohrPlan } from './bamboohr.ts';
import { hibobPlan } from './hibob.ts';
import { hubspotPlan } from './hubspot.ts';
import { personioPlan } from './personio.ts';
import { workdayPlan } from './workday.ts';

/** The HTTP source plan of a vendor preset (one file per vendor). */
export function presetPlan(sourceName: string, connection: PresetConnection): HttpSourcePlan {
  switch (connection.preset) {
    case 'bamboohr':
      return bamboohrPlan(sourceName, connection);
    case 'hibob':
      return hibobPlan(connection);
    case 'personio':
      return personioPlan(connection);
    case 'workday':
      return workdayPlan(connection);
    case 'hubspot':
      return hubspotPlan(connection);
  }
}
