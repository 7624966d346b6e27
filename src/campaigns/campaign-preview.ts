import { Injectable } from '@nestjs/common';
import type { FieldError } from '../common/api-envelope';
import { validationFailed } from '../common/errors';
import { RecipientListsService } from '../recipients/recipient-lists.service';
import { CampaignAudience, type MissingReport } from './campaign-audience';
import { messageProblems } from './campaign-rules';
import { CampaignsService } from './campaigns.service';
import { renderTemplate, type TemplateRecipient } from './template';

const SAMPLES = 3;

export interface CampaignPreview extends MissingReport {
  /** Whether a start (without a missingVariables policy) would be accepted. */
  ready: boolean;
  problems: string[];
  samples: { phone: string; name: string | null; text: string }[];
}

/** What a campaign would send, and to whom it could not be rendered, before it starts. */
@Injectable()
export class CampaignPreviewer {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly audience: CampaignAudience,
    private readonly lists: RecipientListsService,
  ) {}

  /**
   * Before a campaign exists: which recipients of these lists lack which variables of the template
   * (the admin app's campaign form asks, to offer skip / send blank / fix before the start).
   */
  async check(template: string, listIds: number[]): Promise<MissingReport> {
    const existing = await this.lists.existing(listIds);
    const unknown = listIds.filter((id) => !existing.has(id));
    if (unknown.length > 0) {
      const errors: FieldError[] = [
        { field: 'listIds', errors: [`no recipient list ${unknown.join(', ')}`] },
      ];
      throw validationFailed(errors);
    }
    return this.audience.missingReport(template, this.audience.ofLists(listIds));
  }

  async preview(id: number): Promise<CampaignPreview> {
    const c = await this.campaigns.row(id);
    const started = !['draft', 'scheduled'].includes(c.status);
    const samples: TemplateRecipient[] = [];
    const source = started ? this.audience.snapshot(id) : this.audience.fromLists(id);
    async function* keepSamples() {
      for await (const r of source) {
        if (samples.length < SAMPLES) samples.push(r);
        yield r;
      }
    }
    const report = await this.audience.missingReport(c.template, keepSamples());
    const problems = messageProblems(c);
    if (report.recipients === 0) problems.push('its recipient lists are empty');
    if (report.missing.count > 0) problems.push(`${report.missing.count} recipients lack template variables`);
    return {
      ...report,
      ready: problems.length === 0,
      problems,
      samples: samples.map((r) => ({ phone: r.phone, name: r.name, text: renderTemplate(c.template, r) })),
    };
  }
}
