import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from '../graphql/schema';
import { runCli } from './args';

export const SCHEMA_FILE = path.resolve(__dirname, '../../schema.graphql');

export async function renderSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}

/** Writes schema.graphql from the code (`npm run schema`); a test fails when the committed file differs. */
if (require.main === module) {
  runCli(async () => {
    fs.writeFileSync(SCHEMA_FILE, await renderSchema());
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  });
}
