import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema-urns.ts';

/**
 * The attributes this service provider knows, as RFC 7643 §2.2 / §7 describes them. They drive four
 * things: the `/Schemas` discovery answer, the canonical spelling of attribute names (clients differ in
 * case: `username`, `UserName`), which string comparisons ignore case in filters (`caseExact`), and which
 * attributes a client may not write (`readOnly`). Attributes not listed here are kept as sent.
 */
export interface AttributeDef {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'dateTime' | 'reference';
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  description: string;
  subAttributes?: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, 'name' | 'description' | 'subAttributes'>>;

function attr(name: string, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type: 'string',
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    description,
    ...options,
  };
}

function complex(name: string, description: string, sub: AttributeDef[], options: Options = {}) {
  return { ...attr(name, description, { type: 'complex', ...options }), subAttributes: sub };
}

/** `value`, `display`, `type`, `primary`: the sub-attributes of emails, phone numbers and roles. */
function multiValuedStrings(name: string, description: string): AttributeDef {
  return complex(
    name,
    description,
    [
      attr('value', `The ${name} value.`),
      attr('display', 'A human-readable name, primarily for display.'),
      attr('type', 'A label for the value, e.g. "work" or "home".'),
      attr('primary', 'Whether this is the primary value.', { type: 'boolean' }),
    ],
    { multiValued: true },
  );
}

const readOnly: Options = { mutability: 'readOnly' };

const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'Unique identifier of the user, typically the sign-in name.', {
    required: true,
    uniqueness: 'server',
  }),
  complex('name', "The components of the user's name.", [
    attr('formatted', 'The full name, formatted for display.'),
    attr('familyName', 'The family name.'),
    attr('givenName', 'The given name.'),
    attr('middleName', 'The middle name(s).'),
    attr('honorificPrefix', 'Honorific prefix, e.g. "Ms.".'),
    attr('honorificSuffix', 'Honorific suffix, e.g. "III".'),
  ]),
  attr('displayName', 'The name of the user, suitable for display.'),
  attr('nickName', 'The casual way to address the user.'),
  attr('profileUrl', "A URL of the user's online profile.", { type: 'reference' }),
  attr('title', 'The user\'s title, e.g. "Vice President".'),
  attr('userType', 'The relationship to the organisation, e.g. "Employee".'),
  attr('preferredLanguage', "The user's preferred language (RFC 7231 language tag)."),
  attr('locale', "The user's default location for localisation."),
  attr('timezone', "The user's time zone (IANA name)."),
  attr('active', "The user's administrative status; false offboards the person.", { type: 'boolean' }),
  multiValuedStrings('emails', 'Email addresses of the user.'),
  multiValuedStrings('phoneNumbers', 'Phone numbers of the user.'),
  complex(
    'addresses',
    'Physical mailing addresses of the user.',
    [
      attr('formatted', 'The full address, formatted for display.'),
      attr('streetAddress', 'The street address.'),
      attr('locality', 'The city or locality.'),
      attr('region', 'The state or region.'),
      attr('postalCode', 'The postal code.'),
      attr('country', 'The country (ISO 3166-1 alpha-2).'),
      attr('type', 'A label, e.g. "work".'),
      attr('primary', 'Whether this is the primary address.', { type: 'boolean' }),
    ],
    { multiValued: true },
  ),
  multiValuedStrings('roles', 'Roles of the user.'),
  complex(
    'groups',
    'The groups the user belongs to, derived from Group memberships (read-only).',
    [
      attr('value', 'The id of the group.', { ...readOnly, caseExact: true }),
      attr('$ref', 'The URI of the group.', { ...readOnly, type: 'reference', caseExact: true }),
      attr('display', 'The display name of the group.', readOnly),
      attr('type', '"direct": membership is direct (nested groups are not supported).', readOnly),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
];

const ENTERPRISE_USER_ATTRIBUTES: AttributeDef[] = [
  attr('employeeNumber', 'The identifier the organisation assigned to the user.'),
  attr('costCenter', 'The cost centre.'),
  attr('organization', 'The organisation.'),
  attr('division', 'The division.'),
  attr('department', 'The department.'),
  complex('manager', "The user's manager.", [
    attr('value', 'The id of the manager (a User id).', { caseExact: true }),
    attr('$ref', 'The URI of the manager.', { type: 'reference', caseExact: true }),
    attr('displayName', 'The display name of the manager.', readOnly),
  ]),
];

const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'A human-readable name for the group; unique here.', {
    required: true,
    uniqueness: 'server',
  }),
  complex(
    'members',
    'The users in the group.',
    [
      attr('value', 'The id of the member (a User id).', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'The URI of the member.', { mutability: 'immutable', type: 'reference', caseExact: true }),
      attr('display', 'The display name of the member.', readOnly),
      attr('type', '"User" (nested groups are not supported).', { mutability: 'immutable' }),
    ],
    { multiValued: true },
  ),
];

/** The attributes every resource has (RFC 7643 §3.1); not part of any schema's attribute list. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'Unique, stable identifier assigned by the service provider.', {
    ...readOnly,
    caseExact: true,
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', "The directory's own identifier of the resource.", { caseExact: true }),
  complex(
    'meta',
    'Resource metadata.',
    [
      attr('resourceType', 'The resource type.', { ...readOnly, caseExact: true }),
      attr('created', 'When the resource was added.', { ...readOnly, type: 'dateTime' }),
      attr('lastModified', 'When the resource was last changed.', { ...readOnly, type: 'dateTime' }),
      attr('location', 'The URI of the resource.', { ...readOnly, type: 'reference', caseExact: true }),
      attr('version', 'The version (weak ETag) of the resource.', { ...readOnly, caseExact: true }),
    ],
    readOnly,
  ),
];

export const SCHEMA_ATTRIBUTES: Record<string, AttributeDef[]> = {
  [USER_SCHEMA]: USER_ATTRIBUTES,
  [ENTERPRISE_USER_SCHEMA]: ENTERPRISE_USER_ATTRIBUTES,
  [GROUP_SCHEMA]: GROUP_ATTRIBUTES,
};
