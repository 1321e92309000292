import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { toPlainJson } from '../../src/mapping/expression.ts';
import { compileEventExpression } from '../../src/http/routes/event-expression.ts';

// The webhook route reads person keys, versions and the leaver mark through compileEventExpression; it must
// give what JSONata gives for every event shape a sender may post, fast path or not.
const EXPRESSIONS = [
  'employee_id',
  'data.employee.id',
  'objectId',
  'event = "employee.terminated"',
  'data.employee.status = "terminated" or type = "employee.deleted"',
  'employees.id',
  'data.employee.version',
  'subscriptionType = "contact.deletion" ? objectId : false',
];

const EVENTS: unknown[] = [
  { employee_id: 'E1', event: 'employee.terminated' },
  { employee_id: 42, event: 'employee.updated' },
  { employee_id: 1e21 },
  { employee_id: 0.1 + 0.2 },
  { employee_id: null },
  { employee_id: true },
  { employee_id: ['E1', 'E2'] },
  { data: { employee: { id: 'E7', status: 'terminated', version: '2026-03-01T00:00:00Z' } } },
  { data: { employee: [{ id: 'E8' }, { id: 'E9' }] } },
  { data: [{ employee: { id: 'E10' } }] },
  { data: { employee: { id: { nested: 'no' } } } },
  { type: 'employee.deleted', data: {} },
  { employees: [{ id: 'A' }, { id: 'B' }, { name: 'no id' }] },
  [
    { objectId: 101, subscriptionType: 'contact.deletion' },
    { objectId: 102, subscriptionType: 'contact.propertyChange' },
  ],
  [{ objectId: 103, subscriptionType: 'contact.deletion' }],
  [],
  {},
  'a string event',
  17,
  null,
];

describe('a webhook expression gives what JSONata gives', () => {
  for (const text of EXPRESSIONS) {
    it(text, async () => {
      const compiled = compileEventExpression('sources.hr.webhook.personKey', text);
      const reference = jsonata(text);
      for (const event of EVENTS) {
        const expected = await reference.evaluate(event).then(
          (value) => ({ value: toPlainJson(value) }),
          () => ({ failed: true }),
        );
        const actual = await Promise.resolve()
          .then(() => compiled(event))
          .then(
            (value) => ({ value: toPlainJson(value) }),
            () => ({ failed: true }),
          );
        expect({ event, ...actual }).toEqual({ event, ...expected });
      }
    });
  }

  it('an expression that is not JSONata fails at start-up naming the option', () => {
    expect(() => compileEventExpression('sources.hr.webhook.leaverEvent', 'event = ')).toThrow(
      /sources\.hr\.webhook\.leaverEvent/,
    );
  });
});
