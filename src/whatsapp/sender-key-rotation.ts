import { jidDecode, type WASocket } from './baileys';

/** A Signal sender-key name as Baileys 7 builds it (jidToSignalSenderKeyName): `<group>::<user>[_<domain>]::<device>`. */
function senderKeyName(groupJid: string, jid: string | undefined): string | null {
  const decoded = jid ? jidDecode(jid) : undefined;
  if (!decoded?.user) return null;
  const user = decoded.domainType ? `${decoded.user}_${decoded.domainType}` : decoded.user;
  return `${groupJid}::${user}::${decoded.device ?? 0}`;
}

/**
 * Makes the session's next message to the group use a new sender key, as WhatsApp's own clients do
 * when a member leaves or is removed: Baileys 7 never rotates by itself, so a removed member could
 * keep reading the group with the key it holds. Deletes the session's own sender key (under its
 * phone identity, and its LID identity used in LID-addressed groups) and the record of who has it
 * (`sender-key-memory`); the next send creates a key and distributes it to the current members only.
 */
export async function rotateOwnSenderKey(socket: WASocket, groupJid: string): Promise<void> {
  const me = socket.authState.creds.me;
  if (!me) return;
  const names = [senderKeyName(groupJid, me.id), senderKeyName(groupJid, me.lid)].filter(
    (name): name is string => name !== null,
  );
  await socket.authState.keys.set({
    'sender-key': Object.fromEntries(names.map((name) => [name, null])),
    'sender-key-memory': { [groupJid]: null },
  });
}
