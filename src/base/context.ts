import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Viewer } from './auth';

/**
 * This request's DataLoaders. Each module declares its own in a `<module>.loaders.ts` that adds them to
 * this interface (TypeScript declaration merging), and the composition root (src/graphql/loaders.ts)
 * merges the modules' factories: base knows no module, and a resolver still sees every loader typed.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Loaders {}

/** What every resolver and service receives first: who asks, the database, this request's loaders. */
export interface Context {
  viewer: Viewer | null;
  db: DataSource;
  loaders: Loaders;
  config: Config;
}

/** The viewer of a context whose root field already passed `@Authorized`. */
export function viewerOf(ctx: Context) {
  if (!ctx.viewer) throw new Error('viewerOf called on an unauthenticated context');
  return ctx.viewer;
}

/** A loader that fetches rows for many keys at once and hands each key its row (or null). */
export function keyed<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (v: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}
