import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WhatsAppUser } from './directory';
import type { GroupAddressingMode, SimulatedGroup } from './group-directory';
import { newMessageId } from './contact-messenger';
import { groupNode, participantNode } from './group-nodes';
import type { GroupNotifier } from './group-notifications';
import type { SimulatorContext } from './simulator-context';

/** A refusal with WhatsApp's iq error code and text (`<error code='401' text='not-authorized'/>`). */
export class GroupError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`${code} ${text}`);
  }
}

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote';

/**
 * One participant's outcome: 200, or 409 (add: already in the group), 403 (add: their privacy settings
 * refuse it; an invite is offered instead), 404 (not on WhatsApp / not in the group), 406 (the creator
 * cannot be removed or demoted).
 */
export interface ParticipantResult {
  jid: string;
  status: number;
  user?: WhatsAppUser;
}

/**
 * What can be done to a group, with WhatsApp's permission rules, whoever asks: a companion through a
 * `w:g2` iq or a simulated user through the control API. Every change is announced to the members.
 */
export class GroupActions {
  constructor(
    private readonly ctx: SimulatorContext,
    private readonly notifier: GroupNotifier,
  ) {}

  create(
    creator: WhatsAppUser,
    invitees: WhatsAppUser[],
    subject: string,
    options: { addressingMode?: GroupAddressingMode; id?: string } = {},
  ): SimulatedGroup {
    if (!subject.trim()) throw new GroupError(400, 'bad-request');
    const group = this.ctx.groups.create(creator, subject, options);
    for (const user of invitees) {
      // People whose privacy refuses adds are left out, as WhatsApp does (they would get an invite).
      if (group.has(user) || this.ctx.groups.refusingAdds.has(user.phoneNumber)) continue;
      group.members.set(user.phoneNumber, { user, role: 'member' });
    }
    this.notifier.notify(group, creator, { tag: 'create', attrs: {}, content: [groupNode(group)] });
    return group;
  }

  changeParticipants(
    group: SimulatedGroup,
    actor: WhatsAppUser,
    action: ParticipantAction,
    targets: Array<WhatsAppUser | string>,
  ): ParticipantResult[] {
    requireAdmin(group, actor);
    const results = targets.map((target) => this.changeOne(group, action, target));
    const changed = results.filter((r) => r.status === 200 && r.user).map((r) => r.user!);
    if (changed.length) {
      this.notifier.notify(
        group,
        actor,
        {
          tag: action,
          attrs: {},
          content: changed.map((user) => participantNode(group, user)),
        },
        action === 'remove' ? changed : [],
      );
    }
    return results;
  }

  setSubject(group: SimulatedGroup, actor: WhatsAppUser, subject: string): void {
    requireInfoEditor(group, actor);
    if (!subject.trim()) throw new GroupError(400, 'bad-request');
    group.subject = subject;
    group.subjectOwner = actor;
    group.subjectTime = Math.floor(Date.now() / 1000);
    this.notifier.notify(group, actor, {
      tag: 'subject',
      attrs: { subject, s_t: String(group.subjectTime), s_o: group.jidOf(actor) },
    });
  }

  /** Sets the description, or deletes it when `body` is empty. */
  setDescription(group: SimulatedGroup, actor: WhatsAppUser, body: string | undefined): void {
    requireInfoEditor(group, actor);
    const id = newMessageId();
    if (body) {
      group.description = { body, id, owner: actor, time: Math.floor(Date.now() / 1000) };
      this.notifier.notify(group, actor, {
        tag: 'description',
        attrs: { id },
        content: [{ tag: 'body', attrs: {}, content: Buffer.from(body, 'utf-8') }],
      });
    } else {
      group.description = undefined;
      this.notifier.notify(group, actor, { tag: 'description', attrs: { id, delete: 'true' } });
    }
  }

  setSetting(
    group: SimulatedGroup,
    actor: WhatsAppUser,
    setting: 'announcement' | 'not_announcement' | 'locked' | 'unlocked',
  ): void {
    requireAdmin(group, actor);
    if (setting === 'announcement' || setting === 'not_announcement') {
      group.announce = setting === 'announcement';
    } else {
      group.restrict = setting === 'locked';
    }
    this.notifier.notify(group, actor, { tag: setting, attrs: {} });
  }

  /** The user leaves; if no admin is left, the longest-standing member becomes one (as WhatsApp does). */
  leave(group: SimulatedGroup, user: WhatsAppUser): void {
    if (!group.has(user)) throw new GroupError(404, 'item-not-found');
    group.members.delete(user.phoneNumber);
    this.notifier.notify(group, user, { tag: 'leave', attrs: {}, content: [participantNode(group, user)] }, [
      user,
    ]);
    const remaining = [...group.members.values()];
    if (remaining.length && !remaining.some((m) => m.role !== 'member')) remaining[0].role = 'admin';
  }

  inviteCode(group: SimulatedGroup, actor: WhatsAppUser): string {
    requireAdmin(group, actor);
    return group.inviteCode;
  }

  revokeInvite(group: SimulatedGroup, actor: WhatsAppUser): string {
    requireAdmin(group, actor);
    const code = this.ctx.groups.revokeInvite(group);
    this.notifier.notify(group, actor, { tag: 'invite', attrs: { code } });
    return code;
  }

  /** The group an invite code leads to (406 once revoked, 410 when it never existed). */
  groupForCode(code: string): SimulatedGroup {
    const found = this.ctx.groups.byInviteCode(code);
    if (found === 'revoked') throw new GroupError(406, 'not-acceptable');
    if (!found) throw new GroupError(410, 'gone');
    return found;
  }

  join(user: WhatsAppUser, code: string): SimulatedGroup {
    const group = this.groupForCode(code);
    if (group.has(user)) return group;
    group.members.set(user.phoneNumber, { user, role: 'member' });
    this.notifier.notify(group, user, {
      tag: 'add',
      attrs: { reason: 'invite' },
      content: [participantNode(group, user)],
    });
    return group;
  }

  private changeOne(
    group: SimulatedGroup,
    action: ParticipantAction,
    target: WhatsAppUser | string,
  ): ParticipantResult {
    const user = typeof target === 'string' ? this.ctx.directory.resolve(target)?.user : target;
    const jid = typeof target === 'string' ? target : group.jidOf(target);
    if (!user) return { jid, status: 404 };
    const member = group.members.get(user.phoneNumber);
    switch (action) {
      case 'add':
        if (member) return { jid, status: 409, user };
        if (this.ctx.groups.refusingAdds.has(user.phoneNumber)) return { jid, status: 403, user };
        group.members.set(user.phoneNumber, { user, role: 'member' });
        return { jid, status: 200, user };
      case 'remove':
        if (!member) return { jid, status: 404, user };
        if (user === group.creator && member.role === 'superadmin') return { jid, status: 406, user };
        group.members.delete(user.phoneNumber);
        return { jid, status: 200, user };
      case 'promote':
        if (!member) return { jid, status: 404, user };
        if (member.role === 'member') member.role = 'admin';
        return { jid, status: 200, user };
      case 'demote':
        if (!member) return { jid, status: 404, user };
        if (user === group.creator && member.role === 'superadmin') return { jid, status: 406, user };
        member.role = 'member';
        return { jid, status: 200, user };
    }
  }
}

/** Only members see or touch a group (403); changing who is in it, settings and invites needs an admin (401). */
export function requireMember(group: SimulatedGroup, user: WhatsAppUser): void {
  if (!group.has(user)) throw new GroupError(403, 'forbidden');
}

function requireAdmin(group: SimulatedGroup, user: WhatsAppUser): void {
  requireMember(group, user);
  if (!group.isAdmin(user)) throw new GroupError(401, 'not-authorized');
}

/** Subject and description: anyone while the group is unlocked, admins once it is locked. */
function requireInfoEditor(group: SimulatedGroup, user: WhatsAppUser): void {
  requireMember(group, user);
  if (group.restrict && !group.isAdmin(user)) throw new GroupError(401, 'not-authorized');
}

export function errorNode(error: GroupError): BinaryNode {
  return { tag: 'error', attrs: { code: String(error.code), text: error.text } };
}
