import 'reflect-metadata';
import { parseConfig, parseDuration } from '../config';
import { isCluesFormat, normalizeClues } from '../domain/clues';
import { Role } from '../domain/enums';
import { stateByCode } from '../domain/states';
import { signToken } from '../base/auth';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run token -- --role ROLE [--clues CLUES] [--state CODE] [--sub NAME] [--expires 30d (at most JWT_MAX_LIFETIME)]';

/** Prints a bearer token signed with JWT_SECRET; the token alone is the last line. */
runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  const config = parseConfig();
  const role = flag(flags, 'role')?.toUpperCase() as Role | undefined;
  if (!role || !Object.values(Role).includes(role)) throw new Error(`--role must be one of ${Object.values(Role).join(', ')}\n${USAGE}`);
  const clues = flag(flags, 'clues') ? normalizeClues(flag(flags, 'clues')!) : undefined;
  const state = flag(flags, 'state')?.padStart(2, '0');
  if ((role === Role.WAREHOUSE || role === Role.PHARMACY) && (!clues || !isCluesFormat(clues))) {
    throw new Error(`${role} needs --clues with a valid CLUES\n${USAGE}`);
  }
  if (role === Role.STATE_COORDINATOR && (!state || !stateByCode(state))) throw new Error(`STATE_COORDINATOR needs --state 01..32\n${USAGE}`);
  if (!config.auth.secret) throw new Error('JWKS_URL is set: tokens come from your identity provider, not from this command');
  const sub = flag(flags, 'sub') ?? `cli-${role.toLowerCase()}`;
  const expires = flag(flags, 'expires');
  const lifetimeSeconds = expires === undefined ? undefined : parseDuration(expires);
  if (expires !== undefined && lifetimeSeconds === undefined) throw new Error(`--expires takes a length of time such as 8h or 30d\n${USAGE}`);
  const token = await signToken(config.auth.secret, { sub, role, clues, state }, {
    lifetimeSeconds,
    maxLifetimeSeconds: config.auth.maxLifetimeSeconds,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  console.log(`role ${role}${clues ? ` clues ${clues}` : ''}${state ? ` state ${state}` : ''}, subject ${sub}`);
  console.log(token);
});
