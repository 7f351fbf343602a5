import { ApolloServerPlugin } from '@apollo/server';
import {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';
import { ComplexityEstimatorArgs, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './relay';

/**
 * Query limits: depth and aliases are checked while validating the document; cost needs the
 * variables (a `first: $n` multiplies what is under it), so it is checked once the operation is known.
 */

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
    const depthOf = (set: SelectionSetNode | undefined): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet) : 1);
        else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(sel.selectionSet));
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
 * How many fields an operation has once its fragments are expanded, counted in linear time (each
 * fragment's size once, capped). A few fragments that spread each other twice over expand to
 * billions of fields: refused here, before anything else walks them.
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
        if (sel.kind === Kind.FIELD) size += 1 + sizeOf(sel.selectionSet);
        else if (sel.kind === Kind.INLINE_FRAGMENT) size += sizeOf(sel.selectionSet);
        else size += fragmentSize(sel.name.value);
        if (size >= cap) return cap;
      }
      return size;
    };
    return {
      OperationDefinition(node) {
        if (sizeOf(node.selectionSet) > maxSelections) {
          context.reportError(
            new GraphQLError(`La consulta pide más de ${maxSelections} campos una vez expandidos sus fragmentos.`, {
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
function pageEstimator({ args, childComplexity }: ComplexityEstimatorArgs): number | void {
  if (!('first' in args) && !('after' in args)) return undefined;
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + Math.max(first, 1) * Math.max(childComplexity, 1);
}

export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  // A document's cost depends only on its operation and variables: a repeated request (the same
  // DocumentNode from Apollo's document store, the same variables) is not walked again.
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  const estimators = [pageEstimator, simpleEstimator({ defaultComplexity: 1 })];
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const variables = JSON.stringify(request.variables ?? {});
          const key = variables.length <= 2048 ? `${request.operationName ?? ''}\n${variables}` : undefined;
          let known = costs.get(document);
          let cost = key === undefined ? undefined : known?.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({ schema, query: document, operationName: request.operationName ?? undefined, variables: request.variables ?? {}, estimators });
            } catch {
              return; // variables that do not coerce: execution answers BAD_USER_INPUT, nothing runs
            }
            if (key !== undefined) {
              if (!known) costs.set(document, (known = new Map()));
              if (known.size < 100) known.set(key, cost);
            }
          }
          if (cost > maxCost) {
            throw new GraphQLError(`La consulta cuesta ${cost}; el máximo es ${maxCost}. Pida menos elementos por página.`, {
              extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
