import { baileys, BufferJSON, type WAMessage } from './baileys';

/**
 * Baileys' message as kept in the `raw` column (JSON): its protobuf bytes as one base64 string,
 * which is smaller and several times cheaper to make than the message as JSON (a cost every inbound
 * message pays). Rows written before hold the message as BufferJSON; both are read back.
 */
export function encodeRawMessage(message: WAMessage): string {
  try {
    const bytes = baileys().proto.WebMessageInfo.encode(message).finish();
    return `"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"`;
  } catch {
    // A message protobuf cannot encode is still kept, as JSON.
    return JSON.stringify(message, BufferJSON.replacer);
  }
}

/** The message back from the `raw` column's value (as Prisma returns a JSON column), or null. */
export function decodeRawMessage(value: unknown): WAMessage | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    try {
      const decoded = baileys().proto.WebMessageInfo.decode(Buffer.from(value, 'base64'));
      return decoded.key ? (decoded as WAMessage) : null;
    } catch {
      return null; // not a message this gateway wrote
    }
  }
  return JSON.parse(JSON.stringify(value), BufferJSON.reviver) as WAMessage;
}
