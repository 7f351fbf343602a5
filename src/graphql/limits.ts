import { ApolloServerPlugin } from '@apollo/server';
import {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLObjectType,
  GraphQLSchema,
  Kind,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { ComplexityEstimatorArgs, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { fromGlobalId } from '../base/node';
import { DEFAULT_PAGE_SIZE } from '../base/relay';

/**
 * Query limits: depth and aliases are checked while validating the document; cost needs the
 * variables (a `first: $n` multiplies what is under it), so it is checked once the operation is known.
 */

/** How many nested `ofType` of one chain are free of depth (the standard introspection query has 9). */
const FREE_OF_TYPE = 10;

/**
 * Depth of the deepest field, fragments followed. Each fragment's depth is computed once (a document
 * whose fragments spread each other twice over would otherwise take exponential time); a cycle counts
 * as nothing here and is refused by the standard NoFragmentCycles rule.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context);
    const memo = new Map<string, number>();
    const fragmentDepth = (name: string): number => {
      if (memo.has(name)) return memo.get(name)!;
      memo.set(name, 0); // in progress: a cycle adds nothing
      const depth = depthOf(fragments.get(name)?.selectionSet);
      memo.set(name, depth);
      return depth;
    };
    // `ofType` unwraps a list or non-null type: one object or null per level, ending within the schema's
    // few wrappers. The first FREE_OF_TYPE levels of a chain add no depth (the introspection query GraphiQL
    // and other clients send nests it 9 deep); an absurd chain still counts.
    const depthOf = (set: SelectionSetNode | undefined, ofTypeRun = 0): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD && sel.name.value === 'ofType') {
          deepest = Math.max(deepest, (ofTypeRun < FREE_OF_TYPE ? 0 : 1) + depthOf(sel.selectionSet, ofTypeRun + 1));
        } else if (sel.kind === Kind.FIELD) deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet) : 1);
        else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(sel.selectionSet, ofTypeRun));
        else deepest = Math.max(deepest, fragmentDepth(sel.name.value));
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`La consulta tiene profundidad ${depth}; el máximo es ${maxDepth}.`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP' },
            }),
          );
        }
      },
    };
  };
}

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  return fragments;
}

/**
 * How many selections an operation has once its fragments are expanded: every field, inline fragment
 * and fragment spread counts one, which is what the cost calculator visits (its node limit is set from
 * this one, so a document this rule lets through is always costed). Counted in linear time (each
 * fragment's size once, capped): a few fragments that spread each other twice over expand to billions
 * of selections and are refused here, before anything else walks them.
 */
export function selectionLimit(maxSelections: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context);
    const cap = maxSelections + 1;
    const memo = new Map<string, number>();
    const fragmentSize = (name: string): number => {
      if (memo.has(name)) return memo.get(name)!;
      memo.set(name, 0);
      const size = sizeOf(fragments.get(name)?.selectionSet);
      memo.set(name, size);
      return size;
    };
    const sizeOf = (set: SelectionSetNode | undefined): number => {
      if (!set) return 0;
      let size = 0;
      for (const sel of set.selections) {
        size += 1 + (sel.kind === Kind.FRAGMENT_SPREAD ? fragmentSize(sel.name.value) : sizeOf(sel.selectionSet));
        if (size >= cap) return cap;
      }
      return size;
    };
    return {
      OperationDefinition(node) {
        if (sizeOf(node.selectionSet) > maxSelections) {
          context.reportError(
            new GraphQLError(`La consulta tiene más de ${maxSelections} selecciones (campos y fragmentos) una vez expandidos sus fragmentos.`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_LARGE' },
            }),
          );
        }
      },
    };
  };
}

export function aliasLimit(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === maxAliases + 1) {
          context.reportError(
            new GraphQLError(`La consulta usa más de ${maxAliases} alias.`, { nodes: [node], extensions: { code: 'TOO_MANY_ALIASES' } }),
          );
        }
      },
    };
  };
}

/** A list field costs its page size times what each item costs. */
function pageEstimator({ args, childComplexity }: ComplexityEstimatorArgs): number | undefined {
  if (!('first' in args) && !('after' in args)) return undefined;
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + Math.max(first, 1) * Math.max(childComplexity, 1);
}

/**
 * Root fields whose work does not grow with what the query selects but with the data they read:
 * set-based SQL over the network (ledger sums, indicators, plans). Each costs what it does in
 * units of the rest of the table (one unit ≈ one row of a page): with MAX_QUERY_COST at 25,000, a
 * request holds two national ledger checks, or a dozen indicators (the dashboard asks eight at once).
 * A field not listed costs 1 plus what it selects (or its page, when it has one).
 */
export const ROOT_FIELD_COSTS: Readonly<Record<string, (args: Record<string, unknown>) => number>> = {
  ledgerCheck: (a) => (a.clues ? 500 : 12_000),
  indicator: () => 2_000,
  procurementPlan: () => 5_000,
  procurementPlanExport: () => 12_500,
  redistributionSuggestions: (a) => (a.clave ? 2_500 : 12_500),
  suggestedOrder: () => 500,
  cpmCalculation: () => 100,
  // A plan row is computed again for its clave over every state (the plan's work for one clave).
  node: (a) => (typeof a.id === 'string' && fromGlobalId(a.id)?.type === 'ProcurementPlanRow' ? 500 : 1),
};

/**
 * Every mutation is a transaction with row locks: 10, plus what it selects; one that runs a set-based
 * read first costs that read as well (an order from the suggestion is the suggested order's query).
 */
export const MUTATION_COSTS: Readonly<Record<string, (args: Record<string, unknown>) => number>> = {
  orderCreate: (a) => ((a.input as { fromSuggestion?: boolean } | undefined)?.fromSuggestion ? ROOT_FIELD_COSTS.suggestedOrder(a) : 10),
};
const MUTATION_COST = 10;

function rootFieldEstimator(queryType: GraphQLObjectType | null | undefined, mutationType: GraphQLObjectType | null | undefined) {
  return (e: ComplexityEstimatorArgs): number | undefined => {
    if (e.type === mutationType) return (MUTATION_COSTS[e.field.name]?.(e.args) ?? MUTATION_COST) + e.childComplexity;
    const cost = e.type === queryType ? ROOT_FIELD_COSTS[e.field.name] : undefined;
    if (!cost) return undefined;
    return cost(e.args) + (pageEstimator(e) ?? e.childComplexity);
  };
}

const tooCostly = (message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COSTLY', ...extensions, http: { status: 400 } } });

/**
 * The cost limit fails closed: a document whose cost cannot be computed is refused, never let
 * through unchecked. The only exception is variables that do not coerce, which execution refuses
 * (BAD_USER_INPUT) before any resolver runs.
 */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number, maxSelections: number): ApolloServerPlugin {
  // A document's cost depends only on its operation and variables: a repeated request (the same
  // DocumentNode from Apollo's document store, the same variables) is not walked again.
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  const estimators = [rootFieldEstimator(schema.getQueryType(), schema.getMutationType()), pageEstimator, simpleEstimator({ defaultComplexity: 1 })];
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          const variables = JSON.stringify(request.variables ?? {});
          const key = variables.length <= 2048 ? `${request.operationName ?? ''}\n${variables}` : undefined;
          let known = costs.get(document);
          let cost = key === undefined ? undefined : known?.get(key);
          if (cost === undefined) {
            if (getVariableValues(schema, operation?.variableDefinitions ?? [], request.variables ?? {}).errors) return;
            try {
              cost = getComplexity({
                schema,
                query: document,
                operationName: request.operationName ?? undefined,
                variables: request.variables ?? {},
                estimators,
                // The selection limit has already counted the same nodes: this cap is never the one that refuses.
                maxQueryNodes: maxSelections + 1,
              });
            } catch {
              throw tooCostly('No se pudo calcular el costo de la consulta, así que no se ejecuta. Divídala en consultas más pequeñas.');
            }
            if (!Number.isFinite(cost)) throw tooCostly('No se pudo calcular el costo de la consulta, así que no se ejecuta.');
            if (key !== undefined) {
              if (!known) costs.set(document, (known = new Map()));
              if (known.size < 100) known.set(key, cost);
            }
          }
          if (cost > maxCost) {
            throw tooCostly(`La consulta cuesta ${cost}; el máximo es ${maxCost}. Pida menos elementos por página o menos indicadores a la vez.`, { cost, maxCost });
          }
        },
      };
    },
  };
}
