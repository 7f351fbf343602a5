import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

/**
 * Whether the query selects `path` below the current field (through fragments and inline
 * fragments; @skip/@include are not evaluated, so at worst a relation is fetched and not shown).
 * List resolvers use it to fetch a relation in their own statement, so that its field resolves
 * synchronously instead of through a DataLoader promise per row.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) collect(node.selectionSet, name, info, next);
    if (!next.length) return false;
    nodes = next;
  }
  return true;
}

function collect(set: SelectionSetNode | undefined, name: string, info: GraphQLResolveInfo, out: FieldNode[]): void {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value === name) out.push(sel);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      collect(sel.selectionSet, name, info, out);
    } else {
      collect(info.fragments[sel.name.value]?.selectionSet, name, info, out);
    }
  }
}

/**
 * The names of the fields a connection's query selects on its items (through `edges { node }` and
 * `nodes`, fragments and inline fragments included): a list reads only the columns these need.
 */
export function fieldsOnItems(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const items: FieldNode[] = [];
  for (const node of info.fieldNodes) {
    const edges: FieldNode[] = [];
    collect(node.selectionSet, 'edges', info, edges);
    for (const edge of edges) collect(edge.selectionSet, 'node', info, items);
    collect(node.selectionSet, 'nodes', info, items);
  }
  for (const item of items) collectNames(item.selectionSet, info, names);
  return names;
}

function collectNames(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: Set<string>): void {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) out.add(sel.name.value);
    else collectNames(sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : info.fragments[sel.name.value]?.selectionSet, info, out);
  }
}
