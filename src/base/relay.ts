import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badRequest } from './errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/**
 * Where a page of a connection starts and ends (Relay cursor connections). Lists page forward only
 * (`first`/`after`): `hasPreviousPage` says whether the page was asked for after a cursor, which the
 * Relay specification allows when paging forward (it need not count what lies before).
 */
@ObjectType({ description: 'Where a page of a connection starts and ends (Relay).' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page (ask for them with `after: endCursor`).' })
  hasNextPage: boolean;

  @Field({ description: 'Whether the page was asked for after a cursor (`after`): lists page forward only, so there is no `last`/`before`.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page (null when the page is empty).' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of the page (null when the page is empty).' })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `How many items (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (an endCursor).' })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Array<Edge<T>>;
  /** The page's items without their cursors: the same as `edges { node }`, one level less to walk. */
  nodes: T[];
  pageInfo: PageInfo;
  /** Resolved only when the client asks for it: counting is a query of its own. */
  readonly totalCount: Promise<number>;
}

/** The GraphQL types `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T extends object>(name: string, nodeType: ClassType<T>): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => nodeType)
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay connection).` })
  class ConnectionType {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => [nodeType], {
      description:
        'The items of the page, as in `edges { node }`: a convenience for a single page. Apollo’s `relayStylePagination()` accumulates pages from `edges` only; a paginated list reads `edges`.',
    })
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many items match, over all pages.' })
    totalCount: Promise<number>;
  }
  return ConnectionType as unknown as ClassType<Connection<T>>;
}

/** A page request: a validated size and the sort key to start after (undefined for the first page). */
export interface PageRequest<K> {
  limit: number;
  after: K | undefined;
}

/** Cursor keys: a list sorted by one text column, or by two (a state and a clave; a time and an id). */
export const textKey = (k: unknown): k is string => typeof k === 'string';
export const textPairKey = (k: unknown): k is [string, string] => Array.isArray(k) && k.length === 2 && k.every(textKey);

/**
 * A page request. `isKey` says what the list's cursors hold: a cursor that decodes to anything else
 * (a number, an array for a list keyed by text, an object) is refused as INVALID_CURSOR before any SQL.
 */
export function pageRequest<K = string>(args: PageArgs, isKey: (k: unknown) => k is K = textKey as (k: unknown) => k is K): PageRequest<K> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badRequest('PAGE_SIZE_OUT_OF_RANGE', `first debe estar entre 0 y ${MAX_PAGE_SIZE}; recibido ${first}.`);
  }
  return { limit: first, after: args.after ? decodeCursor(args.after, isKey) : undefined };
}

/**
 * Keyset pagination. `fetch` must return rows whose key is greater than `after`, ordered by that
 * key, at most `limit + 1` of them (the extra row only tells whether there is a next page).
 */
export async function paginate<T, K>(
  request: PageRequest<K>,
  fetch: (after: K | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => K,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const rows = request.limit === 0 ? [] : await fetch(request.after, request.limit + 1);
  const page = rows.slice(0, request.limit);
  let counted: Promise<number> | undefined;
  let edges: Array<Edge<T>> | undefined;
  return {
    nodes: page,
    // Edges and their cursors are made only when the query asks for them.
    get edges() {
      return (edges ??= page.map((node) => new PageEdge(node, keyOf)));
    },
    pageInfo: {
      hasNextPage: rows.length > request.limit,
      hasPreviousPage: request.after !== undefined,
      startCursor: page.length ? encodeCursor(keyOf(page[0])) : null,
      endCursor: page.length ? encodeCursor(keyOf(page[page.length - 1])) : null,
    },
    get totalCount() {
      return (counted ??= count());
    },
  };
}

/** An edge whose cursor is encoded when a query reads it. */
class PageEdge<T, K> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly keyOf: (row: T) => K,
  ) {}

  get cursor(): string {
    return encodeCursor(this.keyOf(this.node));
  }
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor<K>(cursor: string, isKey: (k: unknown) => k is K): K {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!isKey(key)) throw badRequest('INVALID_CURSOR', 'Cursor inválido: use un endCursor devuelto por la API.');
  return key;
}
