import type * as B from '@whiskeysockets/baileys';
import type { Directory, WhatsAppUser } from './directory';
import type { GroupActions, ParticipantAction } from './group-actions';
import type { GroupAddressingMode, GroupDirectory, GroupRole, SimulatedGroup } from './group-directory';
import type { CompanionGroupSend, GroupMessenger } from './group-messenger';
import type { GroupNotice, GroupNotifier } from './group-notifications';
import type { MediaHost } from './media-host';
import type { ReceivedMessage } from './message-log';
import { buildOutgoingMessage } from './outgoing-content';
import type { OutgoingContent } from './types';

export interface GroupParticipantInfo {
  phoneNumber: string;
  pnJid: string;
  lidJid: string;
  role: GroupRole;
}

export interface GroupInfo {
  /** `120363…@g.us` */
  jid: string;
  subject: string;
  description: string | undefined;
  /** Phone number of the creator. */
  owner: string;
  /** Unix seconds. */
  creation: number;
  addressingMode: GroupAddressingMode;
  /** Only admins may send. */
  announce: boolean;
  /** Only admins may edit the subject and description. */
  restrict: boolean;
  inviteCode: string;
  participants: GroupParticipantInfo[];
}

export interface ParticipantOutcome {
  /** The participant as the group names it (phone JID in `pn` groups, LID in `lid` groups). */
  jid: string;
  phoneNumber: string | undefined;
  /** 200, 403 (privacy refuses adds), 404 (unknown / not a member), 406 (the creator), 409 (already in). */
  status: number;
}

/** What a simulated member writes in a group: a text (with mentions, by phone number) or media. */
export type GroupContent = OutgoingContent & { mentions?: string[] };

interface GroupControlDeps {
  directory: Directory;
  groups: GroupDirectory;
  actions: GroupActions;
  messenger: GroupMessenger;
  notifier: GroupNotifier;
  media: MediaHost;
}

/**
 * The control API of groups (`simulator.groups`): simulated users create and run groups and write in
 * them exactly as a companion would through its iqs, so every change reaches the members' companions as
 * the same `w:g2` notifications. Refusals throw a `GroupError` with WhatsApp's code (401, 403, 404 …).
 */
export class GroupControl {
  constructor(private readonly deps: GroupControlDeps) {}

  /** Addressing of groups Baileys creates with `groupCreate` (`pn` unless changed). */
  set defaultAddressingMode(mode: GroupAddressingMode) {
    this.deps.groups.defaultAddressingMode = mode;
  }

  create(
    owner: string,
    members: string[],
    options: { subject?: string; addressingMode?: GroupAddressingMode; id?: string } = {},
  ): GroupInfo {
    const group = this.deps.actions.create(
      this.user(owner),
      members.map((m) => this.user(m)),
      options.subject ?? 'Simulated group',
      { addressingMode: options.addressingMode, id: options.id },
    );
    return describeGroup(group);
  }

  has(groupJid: string): boolean {
    return this.deps.groups.find(groupJid) !== undefined;
  }

  info(groupJid: string): GroupInfo {
    return describeGroup(this.group(groupJid));
  }

  /** The groups `phoneNumber` is in. */
  of(phoneNumber: string): GroupInfo[] {
    return this.deps.groups.groupsOf(this.user(phoneNumber)).map(describeGroup);
  }

  /** `from` writes in the group; every member's phone and companions get it. Returns the message id. */
  async send(
    from: string,
    groupJid: string,
    content: GroupContent,
    options: { id?: string } = {},
  ): Promise<string> {
    const sender = this.user(from);
    const group = this.group(groupJid);
    const built = await buildOutgoingMessage(content, sender, this.deps.media);
    const message = withMentions(
      built.message,
      group,
      (content.mentions ?? []).map((m) => this.user(m)),
    );
    return this.deps.messenger.sendToGroup(sender, group, message, { ...built, id: options.id });
  }

  /** `from`'s phone sends a protocol message (an edit or a delete, see message-revisions.ts) in the group. */
  sendProtocol(from: string, groupJid: string, message: B.proto.IMessage): Promise<string> {
    return this.deps.messenger.sendToGroup(this.user(from), this.group(groupJid), message, {
      stanzaType: 'text',
    });
  }

  /** What `member`'s phone received in the group (its own messages left out). */
  received(member: string, groupJid: string): ReceivedMessage[] {
    const jid = this.group(groupJid).jid;
    return this.user(member)
      .inbox.list()
      .filter((m) => m.chatJid === jid && !m.fromOwnDevice);
  }

  /** Waits for the next group message `member`'s phone receives (from now, or since `sinceIndex`). */
  waitForMessage(
    member: string,
    groupJid: string,
    options: { match?: (m: ReceivedMessage) => boolean; timeoutMs?: number; sinceIndex?: number } = {},
  ): Promise<ReceivedMessage> {
    const jid = this.group(groupJid).jid;
    const inbox = this.user(member).inbox;
    const match = options.match ?? (() => true);
    return inbox.waitFor(
      (m) => m.chatJid === jid && !m.fromOwnDevice && match(m),
      options.timeoutMs ?? 10_000,
      options.sinceIndex ?? inbox.size,
    );
  }

  add(actor: string, groupJid: string, phoneNumbers: string[]): ParticipantOutcome[] {
    return this.change(actor, groupJid, 'add', phoneNumbers);
  }

  remove(actor: string, groupJid: string, phoneNumbers: string[]): ParticipantOutcome[] {
    return this.change(actor, groupJid, 'remove', phoneNumbers);
  }

  promote(actor: string, groupJid: string, phoneNumbers: string[]): ParticipantOutcome[] {
    return this.change(actor, groupJid, 'promote', phoneNumbers);
  }

  demote(actor: string, groupJid: string, phoneNumbers: string[]): ParticipantOutcome[] {
    return this.change(actor, groupJid, 'demote', phoneNumbers);
  }

  setSubject(actor: string, groupJid: string, subject: string): void {
    this.deps.actions.setSubject(this.group(groupJid), this.user(actor), subject);
  }

  /** Sets the description; `undefined` or '' deletes it. */
  setDescription(actor: string, groupJid: string, description: string | undefined): void {
    this.deps.actions.setDescription(this.group(groupJid), this.user(actor), description);
  }

  setSettings(actor: string, groupJid: string, settings: { announce?: boolean; restrict?: boolean }): void {
    const group = this.group(groupJid);
    const user = this.user(actor);
    if (settings.announce !== undefined) {
      this.deps.actions.setSetting(group, user, settings.announce ? 'announcement' : 'not_announcement');
    }
    if (settings.restrict !== undefined) {
      this.deps.actions.setSetting(group, user, settings.restrict ? 'locked' : 'unlocked');
    }
  }

  leave(phoneNumber: string, groupJid: string): void {
    this.deps.actions.leave(this.group(groupJid), this.user(phoneNumber));
  }

  inviteCode(actor: string, groupJid: string): string {
    return this.deps.actions.inviteCode(this.group(groupJid), this.user(actor));
  }

  revokeInvite(actor: string, groupJid: string): string {
    return this.deps.actions.revokeInvite(this.group(groupJid), this.user(actor));
  }

  join(phoneNumber: string, inviteCode: string): GroupInfo {
    return describeGroup(this.deps.actions.join(this.user(phoneNumber), inviteCode));
  }

  /** From now on adding `phoneNumber` to a group gets 403 (its privacy allows invites only). */
  refuseAdds(phoneNumber: string, refuse = true): void {
    const number = this.user(phoneNumber).phoneNumber;
    if (refuse) this.deps.groups.refusingAdds.add(number);
    else this.deps.groups.refusingAdds.delete(number);
  }

  /**
   * Whether `member`'s phone read message `messageId` of the group, or could with the sender keys it
   * holds now (tried on a copy of its key state). After a member is removed, a sender that rotated its
   * key makes this false for the removed member; one that did not (Baileys by default) leaves it true.
   */
  canDecrypt(member: string, groupJid: string, messageId: string): Promise<boolean> {
    return this.deps.messenger.couldDecrypt(this.user(member), this.group(groupJid).jid, messageId);
  }

  /**
   * `member`'s phone loses the sender keys it holds for the group (as after a reinstall): the next
   * skmsg it cannot open makes it send a retry receipt, and Baileys sends the message and its key again.
   */
  forgetSenderKeys(member: string, groupJid: string): void {
    this.deps.messenger.forgetKeys(this.user(member), this.group(groupJid).jid);
  }

  /** The messages companions sent to the group, oldest first: who got a sender key with each. */
  sentByCompanions(groupJid: string): CompanionGroupSend[] {
    const jid = this.group(groupJid).jid;
    return this.deps.messenger.fromCompanions.filter((s) => s.groupJid === jid);
  }

  /** How many metadata queries companions made for the group (Baileys asks before every send without a cache). */
  metadataQueries(groupJid: string): number {
    return this.group(groupJid).metadataQueries;
  }

  /** The `w:gp2` notifications the server sent about a group, oldest first. */
  notifications(groupJid: string): GroupNotice[] {
    const jid = this.group(groupJid).jid;
    return this.deps.notifier.sent.filter((n) => n.groupJid === jid);
  }

  private change(
    actor: string,
    groupJid: string,
    action: ParticipantAction,
    phoneNumbers: string[],
  ): ParticipantOutcome[] {
    const group = this.group(groupJid);
    const targets = phoneNumbers.map((p) => this.deps.directory.findByPhone(p) ?? `${p}@s.whatsapp.net`);
    return this.deps.actions
      .changeParticipants(group, this.user(actor), action, targets)
      .map(({ jid, status, user }) => ({ jid, status, phoneNumber: user?.phoneNumber }));
  }

  private user(phoneNumber: string): WhatsAppUser {
    const user = this.deps.directory.findByPhone(phoneNumber);
    if (!user) throw new Error(`no simulated user ${phoneNumber}`);
    return user;
  }

  private group(groupJid: string): SimulatedGroup {
    const group = this.deps.groups.find(groupJid);
    if (!group) throw new Error(`no simulated group ${groupJid}`);
    return group;
  }
}

export function describeGroup(group: SimulatedGroup): GroupInfo {
  return {
    jid: group.jid,
    subject: group.subject,
    description: group.description?.body,
    owner: group.creator.phoneNumber,
    creation: group.creation,
    addressingMode: group.addressingMode,
    announce: group.announce,
    restrict: group.restrict,
    inviteCode: group.inviteCode,
    participants: [...group.members.values()].map(({ user, role }) => ({
      phoneNumber: user.phoneNumber,
      pnJid: user.pnJid,
      lidJid: user.lidJid,
      role,
    })),
  };
}

/** Mentions as WhatsApp clients write them: `@<number>` in the text, the JIDs in `contextInfo.mentionedJid`. */
function withMentions(
  message: B.proto.IMessage,
  group: SimulatedGroup,
  mentioned: WhatsAppUser[],
): B.proto.IMessage {
  if (!mentioned.length) return message;
  const mentionedJid = mentioned.map((u) => group.jidOf(u));
  const text = message.conversation ?? message.extendedTextMessage?.text;
  if (text === undefined || text === null) return message;
  return {
    extendedTextMessage: {
      ...message.extendedTextMessage,
      text,
      contextInfo: { ...message.extendedTextMessage?.contextInfo, mentionedJid },
    },
  };
}
