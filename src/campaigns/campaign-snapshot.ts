import type { Prisma } from '../generated/prisma/client';
import { missingVariables, templateVariables } from './template';

const PAGE = 2000;

/**
 * Copies the recipients of the campaign's lists into its own recipients (a phone in several lists
 * once, from the lowest list id), so later list edits do not change the campaign. Returns how many.
 */
export async function snapshotRecipients(tx: Prisma.TransactionClient, campaignId: number): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO campaign_recipients (campaign_id, phone, name, variables, status, attempts, next_attempt_at, created_at, updated_at)
    SELECT ${campaignId}, r.phone, r.name, r.variables, 'pending', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
    FROM campaign_lists cl JOIN recipients r ON r.list_id = cl.list_id
    WHERE cl.campaign_id = ${campaignId}
    ORDER BY cl.list_id, r.id
    ON DUPLICATE KEY UPDATE campaign_recipients.id = campaign_recipients.id`;
}

/** Marks the snapshot's recipients that lack a template variable as skipped, saying which; returns how many. */
export async function skipMissingVariables(
  tx: Prisma.TransactionClient,
  campaignId: number,
  template: string,
): Promise<number> {
  const variables = templateVariables(template);
  if (variables.length === 0) return 0;
  let after = 0;
  let skipped = 0;
  for (;;) {
    const page = await tx.campaignRecipient.findMany({
      where: { campaignId, status: 'pending', id: { gt: after } },
      orderBy: { id: 'asc' },
      take: PAGE,
      select: { id: true, phone: true, name: true, variables: true },
    });
    const byReason = new Map<string, number[]>();
    for (const r of page) {
      const lacks = missingVariables(variables, r);
      if (lacks.length === 0) continue;
      const reason = `missing variable${lacks.length > 1 ? 's' : ''}: ${lacks.join(', ')}`.slice(0, 512);
      byReason.set(reason, [...(byReason.get(reason) ?? []), r.id]);
    }
    for (const [error, ids] of byReason) {
      skipped += (
        await tx.campaignRecipient.updateMany({
          where: { id: { in: ids } },
          data: { status: 'skipped', error },
        })
      ).count;
    }
    if (page.length < PAGE) return skipped;
    after = page[page.length - 1].id;
  }
}
