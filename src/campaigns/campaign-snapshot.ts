import type { Tx } from '../prisma/database';
import type { CampaignRecipientStore } from './campaign-recipient-store';
import { missingVariables, templateVariables } from './template';

const PAGE = 2000;

/** Marks the snapshot's recipients that lack a template variable as skipped, saying which; returns how many. */
export async function skipMissingVariables(
  store: CampaignRecipientStore,
  tx: Tx,
  campaignId: number,
  template: string,
): Promise<number> {
  const variables = templateVariables(template);
  if (variables.length === 0) return 0;
  let after = 0;
  let skipped = 0;
  for (;;) {
    const page = await store.pageAfter(campaignId, after, PAGE, { status: 'pending' }, tx);
    const byReason = new Map<string, number[]>();
    for (const r of page) {
      const lacks = missingVariables(variables, r);
      if (lacks.length === 0) continue;
      const reason = `missing variable${lacks.length > 1 ? 's' : ''}: ${lacks.join(', ')}`;
      byReason.set(reason, [...(byReason.get(reason) ?? []), r.id]);
    }
    for (const [reason, ids] of byReason) skipped += await store.skip(tx, ids, reason);
    if (page.length < PAGE) return skipped;
    after = page[page.length - 1].id;
  }
}
