import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, JWTPayload, SignJWT } from 'jose';
import { AuthChecker } from 'type-graphql';
import { z } from 'zod';
import type { Config } from '../config';
import { isCluesFormat, stateOfClues } from '../domain/clues';
import { Role } from '../domain/enums';
import { stateByCode } from '../domain/states';
import { forbidden, unauthenticated } from './errors';

/** Who is calling and what they may reach. Built from the bearer token, once per request. */
export class Viewer {
  constructor(
    readonly subject: string,
    readonly role: Role,
    /** The CLUES a WAREHOUSE or PHARMACY user works at. */
    readonly clues: string | null,
    /** The INEGI state code of a STATE_COORDINATOR. */
    readonly stateCode: string | null,
  ) {}

  get national(): boolean {
    return this.role === Role.ADMIN || this.role === Role.CENTRAL || this.role === Role.AUDITOR;
  }

  /**
   * Whether the caller's scope covers an establishment, decided from the CLUES alone (its prefix
   * names the state), so that a refusal never depends on whether the CLUES exists.
   */
  covers(clues: string): boolean {
    if (this.national) return true;
    if (this.role === Role.STATE_COORDINATOR) return stateOfClues(clues)?.code === this.stateCode;
    return this.clues === clues;
  }

  coversState(stateCode: string): boolean {
    return this.national || (this.role === Role.STATE_COORDINATOR && this.stateCode === stateCode);
  }

  /**
   * The one rule of who may act (write) at an establishment: the caller's role is one of `roles` and
   * its scope covers `clues` (any CLUES when none is named). Every writing mutation asks it, through
   * `runMutation`'s scope before the transaction, or once the row that names the CLUES is read.
   */
  mayActAt(roles: readonly Role[], clues?: string): boolean {
    return roles.includes(this.role) && (clues === undefined || this.covers(clues));
  }

  /** Throws FORBIDDEN unless `mayActAt(roles, clues)`. */
  assertMayActAt(roles: readonly Role[], clues?: string): void {
    if (!this.mayActAt(roles, clues)) throw forbidden();
  }
}

/** Role groups used by resolvers. Every root field names one (see `Allow` in schema.ts). */
export const Roles = {
  anyone: Object.values(Role),
  registryWriters: [Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR],
  catalogWriters: [Role.ADMIN, Role.CENTRAL],
  national: [Role.ADMIN, Role.CENTRAL],
  /** Move stock: at their own CLUES for WAREHOUSE and PHARMACY users. */
  stockWriters: [Role.ADMIN, Role.WAREHOUSE, Role.PHARMACY],
  /** Propose, edit and ratify a CPM: the location's own user, or central. */
  cpmEditors: [Role.ADMIN, Role.CENTRAL, Role.WAREHOUSE, Role.PHARMACY],
} as const;

const claims = z
  .object({
    sub: z.string().min(1).max(200),
    role: z.nativeEnum(Role),
    clues: z.string().refine(isCluesFormat).optional(),
    state: z.string().refine((s) => stateByCode(s) !== undefined).optional(),
  })
  .refine((c) => (c.role === Role.WAREHOUSE || c.role === Role.PHARMACY ? c.clues !== undefined : true), {
    message: 'WAREHOUSE and PHARMACY tokens carry the clues claim',
  })
  .refine((c) => (c.role === Role.STATE_COORDINATOR ? c.state !== undefined : true), {
    message: 'STATE_COORDINATOR tokens carry the state claim',
  });

export type TokenVerifier = (token: string) => Promise<Viewer>;

/** How many verified tokens a process remembers, and for how long at most. */
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_MS = 60_000;

/**
 * HS256 with a shared secret, or RS/ES keys from an OIDC provider's JWKS. A token that verified is
 * remembered for a minute (never past its `exp`), so a screen's burst of requests with one token pays
 * the signature check once; a token that fails is never remembered.
 */
export function tokenVerifier(auth: Config['auth']): TokenVerifier {
  // A token without an expiry would be good forever: `exp` is required of every token.
  const options = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ['exp'] };
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : null;
  const secret = auth.jwksUrl ? null : createSecretKey(Buffer.from(auth.secret ?? '', 'utf8'));
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  return async (token) => {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.viewer;
    const { payload } = jwks
      ? await jwtVerify(token, jwks, options)
      : await jwtVerify(token, secret!, { ...options, requiredClaims: ['exp', 'iat'], algorithms: ['HS256'], maxTokenAge: auth.maxLifetimeSeconds });
    // A shared-secret token lives at most JWT_MAX_LIFETIME from when it was made (maxTokenAge above
    // checks iat; this checks that exp does not reach past it).
    if (!jwks && payload.exp! - payload.iat! > auth.maxLifetimeSeconds) throw new Error('token lifetime longer than JWT_MAX_LIFETIME');
    const viewer = viewerFromClaims(payload);
    const until = Math.min(now + VERIFIED_CACHE_MS, payload.exp ? payload.exp * 1000 : Infinity);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
    verified.set(token, { viewer, until });
    return viewer;
  };
}

export function viewerFromClaims(payload: JWTPayload): Viewer {
  const c = claims.parse(payload);
  return new Viewer(c.sub, c.role, c.role === Role.WAREHOUSE || c.role === Role.PHARMACY ? c.clues! : null,
    c.role === Role.STATE_COORDINATOR ? c.state! : null);
}

/**
 * An HS256 token for `claimsIn`, valid for `lifetimeSeconds` (default and maximum: JWT_MAX_LIFETIME,
 * `maxLifetimeSeconds`); a longer lifetime is refused rather than shortened behind the caller's back.
 */
export async function signToken(
  secret: string,
  claimsIn: { sub: string; role: Role; clues?: string; state?: string },
  opts: { lifetimeSeconds?: number; maxLifetimeSeconds: number; issuer?: string; audience?: string },
): Promise<string> {
  const lifetime = opts.lifetimeSeconds ?? opts.maxLifetimeSeconds;
  if (!(lifetime > 0) || lifetime > opts.maxLifetimeSeconds) {
    throw new Error(`a token may live at most ${opts.maxLifetimeSeconds} s (JWT_MAX_LIFETIME); asked for ${lifetime} s`);
  }
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ role: claimsIn.role, clues: claimsIn.clues, state: claimsIn.state })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claimsIn.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** type-graphql's hook for `@Authorized(roles)`: no viewer → UNAUTHENTICATED; other role → FORBIDDEN. */
export const authChecker: AuthChecker<{ viewer: Viewer | null }, Role> = ({ context }, roles) => {
  if (!context.viewer) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(context.viewer.role)) throw forbidden();
  return true;
};
