import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { RecipientsService } from '../recipients/recipients.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { CampaignRepository } from './campaign.repository';
import { missingVariables, templateVariables, type TemplateRecipient } from './template';

const PAGE = 2000;
const SAMPLE = 50;

export interface MissingReport {
  variables: string[];
  recipients: number;
  missing: {
    count: number;
    byVariable: Record<string, number>;
    /** The first recipients lacking a variable, with the names of what they lack. */
    recipients: { phone: string; name: string | null; missing: string[] }[];
  };
}

/**
 * Who a campaign reaches: before the start, the recipients of its lists (a phone in several lists
 * once, from the first list); afterwards, its snapshot. Read a page at a time.
 */
@Injectable()
export class CampaignAudience {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly lists: RecipientsService,
    private readonly snapshotStore: CampaignRecipientStore,
  ) {}

  /** The recipients of the campaign's lists as the snapshot would take them. */
  async *fromLists(campaignId: number): AsyncGenerator<TemplateRecipient> {
    yield* this.ofLists(await this.campaigns.listIdsOf(campaignId));
  }

  /** The recipients of these lists, in this order, each phone once (from the first list it is in). */
  async *ofLists(listIds: number[]): AsyncGenerator<TemplateRecipient> {
    const seen = listIds.length > 1 ? new Set<string>() : null;
    for (const listId of listIds) {
      let after = 0;
      for (;;) {
        const page = await this.lists.pageAfter(listId, after, PAGE);
        for (const r of page) {
          if (seen?.has(r.phone)) continue;
          seen?.add(r.phone);
          yield r;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1].id;
      }
    }
  }

  /** The campaign's own recipients (after the start), optionally filtered. */
  async *snapshot(
    campaignId: number,
    where: Prisma.CampaignRecipientWhereInput = {},
  ): AsyncGenerator<TemplateRecipient & { id: number }> {
    let after = 0;
    for (;;) {
      const page = await this.snapshotStore.pageAfter(campaignId, after, PAGE, where);
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1].id;
    }
  }

  /** Which recipients lack which template variables. */
  async missingReport(template: string, audience: AsyncIterable<TemplateRecipient>): Promise<MissingReport> {
    const variables = templateVariables(template);
    const report: MissingReport = {
      variables,
      recipients: 0,
      missing: { count: 0, byVariable: {}, recipients: [] },
    };
    for await (const r of audience) {
      report.recipients += 1;
      if (variables.length === 0) continue;
      const lacks = missingVariables(variables, r);
      if (lacks.length === 0) continue;
      report.missing.count += 1;
      for (const v of lacks) report.missing.byVariable[v] = (report.missing.byVariable[v] ?? 0) + 1;
      if (report.missing.recipients.length < SAMPLE)
        report.missing.recipients.push({ phone: r.phone, name: r.name, missing: lacks });
    }
    return report;
  }
}
