import { randomBytes, randomInt } from 'node:crypto';
import type { WhatsAppUser } from './directory';

export type GroupRole = 'member' | 'admin' | 'superadmin';

/**
 * How WhatsApp names the people of a group: `pn` groups by phone JID (with the LID beside it), `lid`
 * groups by LID (with the phone number beside it). Baileys sends with the matching identity.
 */
export type GroupAddressingMode = 'pn' | 'lid';

export interface GroupMember {
  user: WhatsAppUser;
  role: GroupRole;
}

export interface GroupDescription {
  body: string;
  id: string;
  owner: WhatsAppUser;
  time: number;
}

/** One group as the WhatsApp server keeps it. */
export class SimulatedGroup {
  /** By phone number, in the order people joined. */
  readonly members = new Map<string, GroupMember>();
  subjectOwner: WhatsAppUser;
  subjectTime: number;
  description: GroupDescription | undefined;
  /** Only admins may send (`announcement`). */
  announce = false;
  /** Only admins may edit the subject and description (`locked`). */
  restrict = false;
  inviteCode = newInviteCode();
  /** How many metadata queries (`<query request='interactive'/>`) companions made: a cache shows here. */
  metadataQueries = 0;

  constructor(
    /** The user part of the JID: `120363…` (or `<phone>-<time>` for old groups). */
    readonly id: string,
    public subject: string,
    readonly creator: WhatsAppUser,
    readonly creation: number,
    readonly addressingMode: GroupAddressingMode,
  ) {
    this.subjectOwner = creator;
    this.subjectTime = creation;
  }

  get jid(): string {
    return `${this.id}@g.us`;
  }

  has(user: WhatsAppUser): boolean {
    return this.members.has(user.phoneNumber);
  }

  roleOf(user: WhatsAppUser): GroupRole | undefined {
    return this.members.get(user.phoneNumber)?.role;
  }

  isAdmin(user: WhatsAppUser): boolean {
    const role = this.roleOf(user);
    return role === 'admin' || role === 'superadmin';
  }

  users(): WhatsAppUser[] {
    return [...this.members.values()].map((m) => m.user);
  }

  /** How this group names a user: its phone JID in `pn` groups, its LID in `lid` groups. */
  jidOf(user: WhatsAppUser): string {
    return this.addressingMode === 'lid' ? user.lidJid : user.pnJid;
  }
}

export function newInviteCode(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** The groups the simulated server knows, by id and by invite code. */
export class GroupDirectory {
  /** Addressing mode of groups created through Baileys' `groupCreate` (the IQ does not say). */
  defaultAddressingMode: GroupAddressingMode = 'pn';
  /** Users whose privacy settings refuse being added to groups (an add gets 403 and an invite). */
  readonly refusingAdds = new Set<string>();
  private readonly byId = new Map<string, SimulatedGroup>();
  private readonly revokedCodes = new Set<string>();

  create(
    creator: WhatsAppUser,
    subject: string,
    options: { addressingMode?: GroupAddressingMode; id?: string } = {},
  ): SimulatedGroup {
    const id = options.id?.replace(/@g\.us$/, '') ?? this.freshId();
    if (this.byId.has(id)) throw new Error(`group ${id} already exists`);
    const group = new SimulatedGroup(
      id,
      subject,
      creator,
      Math.floor(Date.now() / 1000),
      options.addressingMode ?? this.defaultAddressingMode,
    );
    group.members.set(creator.phoneNumber, { user: creator, role: 'superadmin' });
    this.byId.set(id, group);
    return group;
  }

  /** `120363…@g.us`, `<phone>-<time>@g.us` or the bare id. */
  find(jid: string | undefined): SimulatedGroup | undefined {
    if (!jid) return undefined;
    return this.byId.get(jid.replace(/@g\.us$/, ''));
  }

  groupsOf(user: WhatsAppUser): SimulatedGroup[] {
    return [...this.byId.values()].filter((g) => g.has(user));
  }

  /** The group a code invites to; `revoked` for a code that was replaced. */
  byInviteCode(code: string): SimulatedGroup | 'revoked' | undefined {
    if (this.revokedCodes.has(code)) return 'revoked';
    return [...this.byId.values()].find((g) => g.inviteCode === code);
  }

  revokeInvite(group: SimulatedGroup): string {
    this.revokedCodes.add(group.inviteCode);
    group.inviteCode = newInviteCode();
    return group.inviteCode;
  }

  private freshId(): string {
    let id: string;
    do {
      id = `120363${String(randomInt(100_000, 999_999))}${String(randomInt(100_000, 999_999))}`;
    } while (this.byId.has(id));
    return id;
  }
}
