import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay global object identification. IDs are opaque to clients: base64url of "Type:naturalKey",
 * where the natural key is what people already use (a CLUES, a clave, a state code), so an ID
 * survives re-imports and is the same in every environment.
 */
@InterfaceType({ description: 'An object with a globally unique ID (Relay).' })
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global ID; resolve it with `node(id:)`.' })
  id: string;
}

export function toGlobalId(type: string, key: string | number): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

export function fromGlobalId(id: string): { type: string; key: string } | undefined {
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep <= 0 || sep === decoded.length - 1) return undefined;
  return { type: decoded.slice(0, sep), key: decoded.slice(sep + 1) };
}
