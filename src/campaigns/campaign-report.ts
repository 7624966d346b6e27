import { Injectable } from '@nestjs/common';
import { csvSafe } from '../common/csv-cell';
import { CampaignRecipientStore } from './campaign-recipient-store';
import type { CampaignRecipientQueryDto } from './dto/campaign-actions.dto';

const PAGE = 1000;
export const REPORT_COLUMNS = [
  'phone',
  'name',
  'status',
  'attempts',
  'waMessageId',
  'error',
  'sentAt',
  'deliveredAt',
  'readAt',
] as const;

/** Per-recipient outcomes of a campaign: a page for the API, or every row as CSV. */
@Injectable()
export class CampaignReport {
  constructor(private readonly recipients: CampaignRecipientStore) {}

  async page(campaignId: number, query: CampaignRecipientQueryDto) {
    const { items, total } = await this.recipients.outcomes(campaignId, query.status, {
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return {
      items,
      pagination: { page: query.page, limit: query.limit, total, pages: Math.ceil(total / query.limit) },
    };
  }

  /** Header and rows, every cell escaped against spreadsheet formulas. */
  async *csvRows(campaignId: number): AsyncGenerator<string[]> {
    yield [...REPORT_COLUMNS];
    let after = 0;
    for (;;) {
      const rows = await this.recipients.outcomesAfter(campaignId, after, PAGE);
      for (const r of rows) {
        const cells: Record<(typeof REPORT_COLUMNS)[number], string> = {
          phone: r.phone,
          name: r.name ?? '',
          status: r.status,
          attempts: String(r.attempts),
          waMessageId: r.waMessageId ?? '',
          error: r.error ?? '',
          sentAt: r.sentAt?.toISOString() ?? '',
          deliveredAt: r.deliveredAt?.toISOString() ?? '',
          readAt: r.readAt?.toISOString() ?? '',
        };
        yield REPORT_COLUMNS.map((c) => csvSafe(cells[c]));
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }
}
