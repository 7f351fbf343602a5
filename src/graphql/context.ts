import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Viewer } from './auth';
import { createLoaders, Loaders } from './loaders';

/** What every resolver and service receives first: who asks, the database, this request's loaders. */
export interface Context {
  viewer: Viewer | null;
  db: DataSource;
  loaders: Loaders;
  config: Config;
}

export function createContext(db: DataSource, config: Config, viewer: Viewer | null): Context {
  return { viewer, db, config, loaders: createLoaders(db) };
}

/** The viewer of a context whose root field already passed `@Authorized`. */
export function viewerOf(ctx: Context) {
  if (!ctx.viewer) throw new Error('viewerOf called on an unauthenticated context');
  return ctx.viewer;
}
