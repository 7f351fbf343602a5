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

/** Whether a connection's query selects `field` on its items, through `edges { node }` or `nodes`. */
export function selectsOnItems(info: GraphQLResolveInfo, field: string): boolean {
  return selects(info, ['edges', 'node', field]) || selects(info, ['nodes', field]);
}
