import ipaddr from 'ipaddr.js';

/** What the gateway may connect to on someone's behalf. */
export interface EgressPolicy {
  /**
   * Loopback, private, unique-local and carrier-grade NAT addresses too (a webhook receiver on the
   * gateway's own host or LAN). Link-local and cloud metadata addresses are never allowed.
   */
  allowPrivate: boolean;
  /** Origins allowed whatever their address (the sandbox's simulator): `http://127.0.0.1:4000`. */
  trustedOrigins?: readonly string[];
  /** When set, only host names it accepts may be reached (WhatsApp's media hosts). */
  hostAllowed?: (hostname: string) => boolean;
}

/** Cloud instance metadata services: never reachable, whatever the policy. */
const METADATA = new Set(['169.254.169.254', '100.100.100.200', 'fd00:ec2::254']);
/** The ranges a private opt-in opens (ipaddr.js range names). */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

/** Whether an IP address may be connected to under this policy (false for anything that is not one). */
export function addressAllowed(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  // ::ffff:127.0.0.1 is 127.0.0.1.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return false;
  const range = ip.range();
  return range === 'unicast' || (allowPrivate && PRIVATE_RANGES.has(range));
}
