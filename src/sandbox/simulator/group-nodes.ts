import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WhatsAppUser } from './directory';
import type { GroupRole, SimulatedGroup } from './group-directory';

/**
 * `<participant>` as WhatsApp writes it: in `pn` groups `jid` is the phone JID and `lid` the LID; in
 * `lid` groups `jid` is the LID and `phone_number` the phone JID. Members have no `type`.
 */
export function participantNode(group: SimulatedGroup, user: WhatsAppUser, role?: GroupRole): BinaryNode {
  const attrs: Record<string, string> =
    group.addressingMode === 'lid'
      ? { jid: user.lidJid, phone_number: user.pnJid }
      : { jid: user.pnJid, lid: user.lidJid };
  if (role && role !== 'member') attrs.type = role;
  return { tag: 'participant', attrs };
}

/** Who did something, on a group stanza (`participant`, plus `participant_pn` in `lid` groups). */
export function actorAttrs(
  group: SimulatedGroup,
  actor: WhatsAppUser,
  prefix = 'participant',
): Record<string, string> {
  return group.addressingMode === 'lid'
    ? { [prefix]: actor.lidJid, [`${prefix}_pn`]: actor.pnJid }
    : { [prefix]: actor.pnJid };
}

/**
 * The `<group>` node of metadata answers, `<participating>` lists and `create` notifications: the
 * attributes Baileys' `extractGroupMetadata` reads, with `addressing_mode` always present (without it
 * Baileys assumes `lid`).
 */
export function groupNode(
  group: SimulatedGroup,
  parts: { participants?: boolean; description?: boolean } = { participants: true, description: true },
): BinaryNode {
  const lid = group.addressingMode === 'lid';
  const attrs: Record<string, string> = {
    id: group.id,
    subject: group.subject,
    s_t: String(group.subjectTime),
    creation: String(group.creation),
    size: String(group.members.size),
    addressing_mode: group.addressingMode,
    ...actorAttrs(group, group.subjectOwner, 's_o'),
  };
  if (lid) Object.assign(attrs, { creator: group.creator.lidJid, creator_pn: group.creator.pnJid });
  else attrs.creator = group.creator.pnJid;
  attrs.creator_country_code = group.creator.phoneNumber.slice(0, 1);

  const content: BinaryNode[] = [];
  if (parts.participants) {
    for (const { user, role } of group.members.values()) content.push(participantNode(group, user, role));
  }
  if (parts.description && group.description) {
    const { body, id, owner, time } = group.description;
    content.push({
      tag: 'description',
      attrs: { id, t: String(time), ...actorAttrs(group, owner) },
      content: [{ tag: 'body', attrs: {}, content: Buffer.from(body, 'utf-8') }],
    });
  }
  if (group.announce) content.push({ tag: 'announcement', attrs: {} });
  if (group.restrict) content.push({ tag: 'locked', attrs: {} });
  return { tag: 'group', attrs, content };
}
