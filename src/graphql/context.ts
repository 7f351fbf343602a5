import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Viewer } from '../base/auth';
import type { Context } from '../base/context';
import { createLoaders } from './loaders';

/** A request's context: the caller, the database, and a fresh set of every module's loaders. */
export function createContext(db: DataSource, config: Config, viewer: Viewer | null): Context {
  return { viewer, db, config, loaders: createLoaders(db) };
}
