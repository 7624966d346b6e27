import { isIP } from 'node:net';

/** The kinds of proxy a session may go through. socks5h: the proxy resolves host names. */
export const PROXY_SCHEMES = ['http', 'https', 'socks5', 'socks5h'] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

/** A proxy URL, parsed and checked: scheme, host, port, and the credentials (decoded) if any. */
export interface ProxyUrl {
  /** The URL as given (trailing slash removed): what is sealed and stored. */
  href: string;
  scheme: ProxyScheme;
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

/** Why a proxy URL is refused, in words that never quote the URL (it may hold a password). */
export class ProxyUrlError extends Error {}

/** `scheme://[userinfo@]host:port[/]`: the port is required (nothing implies one for a proxy). */
const SHAPE = /^([a-z0-9]+):\/\/(?:([^@/?#]*)@)?(\[[0-9a-f:.]+\]|[^:/?#@[\]]+):(\d{1,5})\/?$/i;

/** The proxy URL, or a ProxyUrlError saying what is wrong with it. */
export function parseProxyUrl(raw: string): ProxyUrl {
  const text = raw.trim();
  const scheme = /^([a-z0-9]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme || !(PROXY_SCHEMES as readonly string[]).includes(scheme))
    throw new ProxyUrlError(`proxy must start with ${PROXY_SCHEMES.map((s) => `${s}://`).join(', ')}`);
  const shape = SHAPE.exec(text);
  if (!shape) throw new ProxyUrlError('proxy must be scheme://[user:password@]host:port, with no path');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyUrlError('proxy is not a valid URL');
  }
  const port = Number(shape[4]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ProxyUrlError('proxy port must be 1-65535');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || (shape[3].startsWith('[') && isIP(host) !== 6))
    throw new ProxyUrlError('proxy host is missing');
  const decode = (value: string): string | null => {
    if (!value) return null;
    try {
      return decodeURIComponent(value);
    } catch {
      throw new ProxyUrlError('proxy credentials are not valid percent-encoding');
    }
  };
  return {
    href: `${scheme}://${shape[2] !== undefined ? `${shape[2]}@` : ''}${shape[3]}:${port}`,
    scheme: scheme as ProxyScheme,
    host,
    port,
    username: decode(url.username),
    password: decode(url.password),
  };
}

/**
 * A proxy URL as answers and logs may show it: the password is `***`; a user name alone (often a
 * token) is `***` too. E.g. `socks5://user:***@host:1080`.
 */
export function maskedProxyUrl(proxy: ProxyUrl): string {
  const host = isIP(proxy.host) === 6 ? `[${proxy.host}]` : proxy.host;
  let userinfo = '';
  if (proxy.password !== null) userinfo = `${encodeURIComponent(proxy.username ?? '')}:***@`;
  else if (proxy.username !== null) userinfo = '***@';
  return `${proxy.scheme}://${userinfo}${host}:${proxy.port}`;
}
