import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { Directory, WhatsAppUser } from './directory';

/**
 * Answers `<iq xmlns='usync'>`: device lists (phone + companions with their key index), PN → LID
 * lookups, `<contact>` (onWhatsApp) in/out depending on whether the number exists here, and the
 * about text (`status`, through `statusOf`: profile-desk.ts). Protocols the simulator does not model
 * (disappearing_mode, …) are left out of the reply, which Baileys reads as "no data".
 */
export function answerUsync(
  directory: Directory,
  iq: BinaryNode,
  statusOf: (user: WhatsAppUser | undefined) => BinaryNode = () => ({ tag: 'status', attrs: {} }),
): BinaryNode[] {
  const usync = B.getBinaryNodeChild(iq, 'usync');
  const query = B.getBinaryNodeChild(usync, 'query');
  const protocols = new Set(Array.isArray(query?.content) ? query.content.map((child) => child.tag) : []);
  const list = B.getBinaryNodeChild(usync, 'list');
  const users = B.getBinaryNodeChildren(list, 'user').map((node) =>
    answerUser(directory, node, protocols, statusOf),
  );
  return [
    {
      tag: 'usync',
      attrs: { ...(usync?.attrs ?? {}) },
      content: [
        { tag: 'result', attrs: {} },
        { tag: 'list', attrs: {}, content: users },
      ],
    },
  ];
}

function answerUser(
  directory: Directory,
  node: BinaryNode,
  protocols: Set<string>,
  statusOf: (user: WhatsAppUser | undefined) => BinaryNode,
): BinaryNode {
  const contactNode = B.getBinaryNodeChild(node, 'contact');
  const phone =
    typeof contactNode?.content === 'string' || contactNode?.content instanceof Uint8Array
      ? Buffer.from(contactNode.content).toString().replace(/\D/g, '')
      : undefined;
  const jid = node.attrs.jid ?? `${phone ?? ''}@s.whatsapp.net`;
  const resolved = directory.resolve(jid);
  const user = resolved?.user;
  const content: BinaryNode[] = [];
  if (protocols.has('contact')) {
    content.push({ tag: 'contact', attrs: { type: user ? 'in' : 'out' } });
  }
  if (protocols.has('devices')) {
    content.push(deviceList(user));
  }
  if (protocols.has('lid')) {
    const lidAttrs: Record<string, string> = user && resolved?.server !== 'lid' ? { val: user.lidJid } : {};
    content.push({ tag: 'lid', attrs: lidAttrs });
  }
  if (protocols.has('status')) {
    content.push(statusOf(user));
  }
  return { tag: 'user', attrs: { jid: normalizeUserJid(jid) }, content };
}

function deviceList(user: WhatsAppUser | undefined): BinaryNode {
  const devices: BinaryNode[] = user ? [{ tag: 'device', attrs: { id: '0' } }] : [];
  for (const companion of user?.companions.values() ?? []) {
    devices.push({
      tag: 'device',
      attrs: { id: String(companion.deviceId), 'key-index': String(companion.keyIndex) },
    });
  }
  return {
    tag: 'devices',
    attrs: {},
    content: [
      { tag: 'device-list', attrs: {}, content: devices },
      { tag: 'key-index-list', attrs: { ts: String(Math.floor(Date.now() / 1000)) } },
    ],
  };
}

function normalizeUserJid(jid: string): string {
  const decoded = B.jidDecode(jid);
  return decoded?.user ? `${decoded.user}@${decoded.server}` : jid;
}
