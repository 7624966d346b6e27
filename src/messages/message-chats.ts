import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { MessageCapture } from './message-capture.service';

/** A LID's user part and the phone digits it stands for. */
export interface LidPhone {
  lid: string;
  phone: string;
}

/** Pairs per statement: a CASE of this many arms stays a small query. */
const CHUNK = 200;

/**
 * One contact is one chat: messages stored while the session knew a contact only by its LID take
 * its phone number once the mapping is learned (chat_jid, from/to, the author of group messages).
 */
@Injectable()
export class MessageChats {
  constructor(
    private readonly prisma: PrismaService,
    private readonly capture: MessageCapture,
  ) {}

  /**
   * Rewrites the session's messages stored under these LIDs. Messages queued before the mapping was
   * known are written first, so none of them is left behind under its LID.
   */
  async adoptPhones(sessionId: string, pairs: LidPhone[]): Promise<number> {
    if (pairs.length === 0) return 0;
    await this.capture.written();
    let changed = 0;
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const chunk = pairs.slice(i, i + CHUNK);
      const lidJids = chunk.map((p) => `${p.lid}@lid`);
      const phoneOf = (column: string) =>
        Prisma.join(
          chunk.map((p) => Prisma.sql`WHEN ${`${p.lid}@lid`} THEN ${p.phone}`),
          ' ',
          `CASE ${column} `,
          ' END',
        );
      // A direct chat addressed by LID: its phone JID, with the LID kept alongside.
      changed += await this.prisma.$executeRaw`
        UPDATE messages SET
          chat_lid = chat_jid,
          from_number = IF(direction = 'inbound', ${phoneOf('chat_jid')}, from_number),
          to_number = IF(direction = 'outbound', ${phoneOf('chat_jid')}, to_number),
          chat_jid = CONCAT(${phoneOf('chat_jid')}, '@s.whatsapp.net')
        WHERE session_id = ${sessionId} AND chat_jid IN (${Prisma.join(lidJids)})`;
      // The author of group, status and broadcast-list messages.
      changed += await this.prisma.$executeRaw`
        UPDATE messages SET
          from_number = IF(direction = 'inbound', ${phoneOf('participant_lid')}, from_number),
          participant = ${phoneOf('participant_lid')}
        WHERE session_id = ${sessionId} AND participant_lid IN (${Prisma.join(lidJids)})
          AND participant IS NULL`;
    }
    return changed;
  }
}
