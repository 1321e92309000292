import { z } from 'zod';
import { secretOption } from '../secret-option.ts';
import { presetCommon, type PresetDefaults } from './common.ts';

/**
 * HubSpot CRM contacts (https://developers.hubspot.com/docs/api/crm/contacts): a private app's access token,
 * `GET /crm/v3/objects/contacts` paged by the `after` cursor, one contact from `/crm/v3/objects/contacts/{id}`.
 */
export const hubspotConnection = z.strictObject({
  ...presetCommon,
  preset: z.literal('hubspot'),
  /** The private app's access token (scope `crm.objects.contacts.read`). */
  token: secretOption,
  /** More contact properties to read (internal names, e.g. `hs_language`). */
  properties: z.array(z.string().regex(/^[a-z0-9_]+$/, 'expected a property internal name')).default([]),
});
export type HubSpotConnection = z.output<typeof hubspotConnection>;

export const hubspotDefaults: PresetDefaults = {
  mapping: {
    key: 'id',
    // Contacts without an e-mail cannot sign in: they stay out of Kratos (HubSpot sends an unset
    // property as null).
    scope: '$type(properties.email) = "string" and properties.email != ""',
    externalId: '"hubspot-" & id',
    schemaId: '"default"',
    traits: `{
      "email": $lowercase(properties.email),
      "name": {
        "first": properties.firstname ? properties.firstname,
        "last": properties.lastname ? properties.lastname
      }
    }`,
    metadataPublic: `{
      "company": properties.company ? properties.company,
      "job_title": properties.jobtitle ? properties.jobtitle
    }`,
    metadataAdmin:
      '{ "hubspot": { "lifecycle_stage": properties.lifecyclestage ? properties.lifecyclestage } }',
    version: 'updatedAt',
  },
  webhook: {
    format: 'hubspot-v3',
    // HubSpot sends an array of events (up to 100), each naming one contact: this gives every objectId.
    personKey: 'objectId',
  },
};
