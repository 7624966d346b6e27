import { lookup as dnsLookup, promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { validationFailed } from '../common/errors';
import { addressAllowed, type EgressPolicy } from './address-policy';

/** A destination the policy does not allow. Its message names the rule, never what the target would answer. */
export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(reason: string) {
    super(reason);
    this.name = 'EgressRefusedError';
  }
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');
const trusted = (url: URL, policy: EgressPolicy): boolean =>
  policy.trustedOrigins?.includes(url.origin) ?? false;

/**
 * The URL, parsed, when its form is one the policy lets the gateway reach: http(s), an allowed host
 * name, and an allowed address when the host is an IP literal (WHATWG parsing has already turned
 * 2130706433 or 0x7f000001 into 127.0.0.1). Host names are checked when they resolve (guardedLookup).
 */
export function checkUrl(raw: string, policy: EgressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefusedError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EgressRefusedError('only http and https');
  if (trusted(url, policy)) return url;
  const host = hostOf(url);
  if (policy.hostAllowed && !policy.hostAllowed(host)) throw new EgressRefusedError('host not allowed');
  if (isIP(host) && !addressAllowed(host, policy.allowPrivate))
    throw new EgressRefusedError('private or local address');
  return url;
}

/** checkUrl, and the host name resolved now too: for a URL being saved, so a bad one is refused at once. */
export async function checkUrlNow(raw: string, policy: EgressPolicy): Promise<URL> {
  const url = checkUrl(raw, policy);
  const host = hostOf(url);
  if (trusted(url, policy) || isIP(host)) return url;
  let addresses: { address: string }[];
  try {
    addresses = await dns.lookup(host, { all: true });
  } catch {
    throw new EgressRefusedError('host name does not resolve');
  }
  if (!addresses.some((a) => addressAllowed(a.address, policy.allowPrivate)))
    throw new EgressRefusedError('private or local address');
  return url;
}

/** A URL being saved (or tested): 400 on `field` when the policy refuses it, its host resolved now. */
export async function checkUrlField(url: string, policy: EgressPolicy, field: string): Promise<void> {
  try {
    await checkUrlNow(url, policy);
  } catch (error) {
    if (!(error instanceof EgressRefusedError)) throw error;
    throw validationFailed([{ field, errors: [`${field} is not allowed: ${error.message}`] }]);
  }
}

/**
 * dns.lookup for sockets, refusing the addresses the policy does not allow. The connection is made to
 * the address checked here, so a name that resolves differently the next time (DNS rebinding) gains
 * nothing.
 */
export function guardedLookup(policy: EgressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => addressAllowed(a.address, policy.allowPrivate));
      if (allowed.length === 0)
        return callback(
          Object.assign(new EgressRefusedError('private or local address'), { hostname }),
          '',
          0,
        );
      if (options.all) (callback as unknown as (e: null, all: typeof allowed) => void)(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** An undici Agent whose connections go only where the policy allows (keep-alive as usual). */
export function guardedAgent(policy: EgressPolicy, options: Agent.Options = {}): Agent {
  return new Agent({ ...options, connect: { ...options.connect, lookup: guardedLookup(policy) } });
}
