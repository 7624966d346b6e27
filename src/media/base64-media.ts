import { fileTypeFromBuffer } from 'file-type';
import { DomainError, validationFailed } from '../common/errors';

/** Bytes given inline: plain base64, or a `data:<mime>;base64,` URL whose type comes with it. */
export interface Base64Media {
  data: Buffer;
  /** The data URL's type (with its parameters, e.g. `audio/ogg; codecs=opus`); null for plain base64. */
  mimetype: string | null;
}

// The standard and the URL-safe alphabet, padding optional (what Buffer.from(…, 'base64') reads).
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:([^,]*),/i;

const invalid = (field: string, why: string) => validationFailed([{ field, errors: [`${field} ${why}`] }]);

/**
 * Decodes base64 given in a JSON body: 400 on `field` for anything that is not base64 (or a base64
 * data URL), MEDIA_TOO_LARGE (413, as for an upload) past `maxBytes`, checked before decoding.
 * White space (line breaks of wrapped base64) is ignored.
 */
export function decodeBase64Media(raw: string, maxBytes: number, field = 'base64'): Base64Media {
  let mimetype: string | null = null;
  let body = raw.trim();
  const header = DATA_URL.exec(body);
  if (header) {
    const [type, ...params] = header[1].split(';').map((p) => p.trim());
    if (params.pop()?.toLowerCase() !== 'base64') throw invalid(field, 'must be base64 (data:<type>;base64,…)');
    if (type) {
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) throw invalid(field, `has an invalid type "${type}"`);
      mimetype = [type.toLowerCase(), ...params.filter(Boolean)].join('; ');
    }
    body = body.slice(header[0].length);
  } else if (/^data:/i.test(body)) {
    throw invalid(field, 'must be base64 (data:<type>;base64,…)');
  }
  body = body.replace(/\s+/g, '');
  if (!body || !BASE64.test(body) || body.replace(/=+$/, '').length % 4 === 1)
    throw invalid(field, 'must be base64-encoded data');
  const unpadded = body.replace(/=+$/, '').length;
  if (Math.floor((unpadded * 3) / 4) > maxBytes)
    throw new DomainError('MEDIA_TOO_LARGE', `Media is larger than ${maxBytes} bytes`);
  const data = Buffer.from(body, 'base64');
  if (data.length === 0) throw invalid(field, 'must not be empty');
  return { data, mimetype };
}

/** The type a file's bytes show (magic numbers, via file-type), or null when they show none. */
export async function sniffMimetype(data: Buffer): Promise<string | null> {
  return (await fileTypeFromBuffer(data))?.mime ?? null;
}
