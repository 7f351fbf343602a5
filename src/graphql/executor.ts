import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { DocumentNode, execute, ExecutionResult, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';

interface Plan {
  runs: number;
  compiled?: CompiledQuery | null;
}

/**
 * Executes queries with graphql-jit: a validated document is compiled once into a function that
 * resolves and assembles its response without graphql-js's per-field interpretation (on a page of
 * 100 rows, about a thousand fields a request). Results are the same as graphql-js's; a document
 * graphql-jit cannot compile runs on graphql-js. A document runs `compileAfter` times on graphql-js
 * before it is compiled (GRAPHQL_JIT_AFTER): compiling costs more than executing once, so a document
 * sent once (a hand-written query, a fuzzer's) is never compiled.
 *
 * graphql-jit reads a field that has no resolver as a plain synchronous property: a field whose value
 * is a promise must have a resolver (see `markSimpleFields` in schema.ts). Mutations, which run once
 * and whose payloads read what they wrote lazily, stay on graphql-js.
 */
export function jitExecutor(schema: GraphQLSchema, compileAfter: number) {
  // Apollo keeps one parsed and validated DocumentNode per query text in its document store, so the
  // same object comes back for the same query; plans go when Apollo drops the document.
  const plans = new WeakMap<DocumentNode, Map<string | null, Plan>>();

  return function run(
    document: DocumentNode,
    operationName: string | null,
    operation: OperationDefinitionNode | undefined,
    contextValue: unknown,
    variableValues: Record<string, unknown> | undefined,
  ) {
    // Without an operation (an unknown operation name), graphql-js's execute returns the error.
    if (operation?.operation !== 'query') return execute({ schema, document, operationName, contextValue, variableValues });
    let byName = plans.get(document);
    if (!byName) plans.set(document, (byName = new Map()));
    let plan = byName.get(operationName);
    if (!plan) byName.set(operationName, (plan = { runs: 0 }));
    if (plan.compiled === undefined && ++plan.runs > compileAfter) {
      const compiled = compileQuery(schema, document, operationName ?? undefined);
      plan.compiled = isCompiledQuery(compiled) ? compiled : null;
    }
    if (plan.compiled) {
      const result = plan.compiled.query(undefined, contextValue, variableValues ?? {}) as Promise<ExecutionResult> | ExecutionResult;
      const answer = (r: ExecutionResult) => (r.data == null && r.errors?.length ? refusedVariables(schema, operation, variableValues) ?? withExtensions(r) : withExtensions(r));
      return 'then' in result ? result.then(answer) : answer(result);
    }
    return execute({ schema, document, operationName, contextValue, variableValues });
  };
}

/**
 * graphql-jit refuses variables that do not fit the schema with messages of its own and no code, which
 * Apollo would answer as an internal error. When a compiled query answers nothing but errors, the
 * variables are coerced again by graphql-js: if they are what failed, its errors are answered — the
 * ones graphql-js gives uncompiled queries, which Apollo files as BAD_USER_INPUT and the server words in
 * Spanish. A query that runs costs nothing more.
 */
function refusedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variableValues: Record<string, unknown> | undefined): ExecutionResult | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {});
  return 'errors' in coerced && coerced.errors?.length ? { errors: coerced.errors } : undefined;
}

/**
 * graphql-jit's errors carry no `extensions` object when the resolver threw a plain Error (a database
 * error, say), which graphql-js's always do: Apollo reads `extensions.code` on every error and,
 * failing, would answer its own masked error without calling `formatError`.
 */
function withExtensions(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => !e.extensions)) return result;
  const errors = result.errors.map((e) => {
    if (e.extensions) return e;
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: {} });
    return Object.assign(error, { locations: e.locations });
  });
  return { ...result, errors };
}

/**
 * Apollo Server's extension point for an executor of one's own is its gateway interface: a "gateway"
 * that serves this one schema and executes with `jitExecutor`. Parsing, validation, the query limits,
 * plugins, error formatting and HTTP stay Apollo's.
 */
export function jitGateway(schema: GraphQLSchema, compileAfter: number): GatewayInterface {
  const run = jitExecutor(schema, compileAfter);
  const executor: GatewayExecutor = async (request) =>
    run(request.document, request.request.operationName ?? null, request.operation, request.context, request.request.variables) as ReturnType<GatewayExecutor>;
  return {
    load: async () => ({ executor }),
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    stop: async () => {},
  };
}
