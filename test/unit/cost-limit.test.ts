import { parse } from 'graphql';
import { costLimitPlugin } from '../../src/graphql/limits';
import { getSchema } from '../../src/graphql/schema';

/** Runs the cost limit's hook on a document as Apollo would, after validation. */
async function check(query: string, opts: { maxCost?: number; maxSelections?: number; variables?: Record<string, unknown> } = {}) {
  const schema = await getSchema();
  const plugin = costLimitPlugin(schema, opts.maxCost ?? 25_000, opts.maxSelections ?? 5_000);
  const listener = await plugin.requestDidStart!({} as never);
  const document = parse(query);
  const operation = document.definitions[0];
  return (listener as any).didResolveOperation({ request: { variables: opts.variables ?? {} }, document, operation });
}

test('a document the cost calculator cannot finish is refused (fails closed), not let through', async () => {
  // The calculator stops at maxSelections + 1 nodes; a document that skipped the selection limit
  // (here: a limit of 10 for a 40-node document) cannot be costed and must not run.
  const fields = Array.from({ length: 40 }, (_, i) => `f${i}: me { role }`).join(' ');
  await expect(check(`{ ${fields} }`, { maxSelections: 10 })).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY' } });
  await expect(check(`{ ${fields} }`)).resolves.toBeUndefined();
});

test('variables that do not coerce are left to execution, which refuses them before any resolver runs', async () => {
  await expect(check('query($n: Int) { establishments(first: $n) { totalCount } }', { variables: { n: 'many' } })).resolves.toBeUndefined();
});

test('set-based root fields cost their work, not their selection', async () => {
  const cost = async (q: string) => {
    try {
      await check(q, { maxCost: 10 });
      return 0;
    } catch (e) {
      return (e as { extensions: { cost: number } }).extensions.cost;
    }
  };
  expect(await cost('{ ledgerCheck { checked } }')).toBe(12_000 + 1);
  expect(await cost('{ ledgerCheck(clues: "GRSSA000010") { checked } }')).toBe(500 + 1);
  expect(await cost('{ indicator(code: CPM_RATIFICATION) { total { value } } }')).toBe(2_000 + 2);
  expect(await cost('{ redistributionSuggestions { clave } }')).toBe(12_500 + 1);
  // Mutations are transactions: 10 each, and an order from the suggestion costs the suggestion's read too.
  expect(await cost('mutation { orderCreate(input: { idempotencyKey: "k", kind: REPLENISHMENT, requestingClues: "GRSSA000001", fromSuggestion: true }) { userErrors { code } } }')).toBe(500 + 2);
  expect(await cost('mutation { orderSubmit(input: { number: "OS-1" }) { userErrors { code } } }')).toBe(10 + 2);
});

test('node(id:) costs what resolving its type costs: a procurement plan row is computed again', async () => {
  const cost = async (id: string) => {
    try {
      await check('query($id: ID!) { node(id: $id) { id } }', { maxCost: 1, variables: { id } });
      return 0;
    } catch (e) {
      return (e as { extensions: { cost: number } }).extensions.cost;
    }
  };
  const id = (key: string) => Buffer.from(key).toString('base64url');
  expect(await cost(id('ProcurementPlanRow:2026:12:010.000.0104.00'))).toBe(500 + 1);
  expect(await cost(id('Establishment:GRSSA000001'))).toBe(1 + 1);
});
