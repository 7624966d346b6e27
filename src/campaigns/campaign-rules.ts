import type { FieldError } from '../common/api-envelope';
import { DomainError, validationFailed } from '../common/errors';
import type { CampaignStatus } from './campaign.repository';
import { canonicalTimeZone } from './time-zone';

export const campaignNotFound = () => new DomainError('CAMPAIGN_NOT_FOUND', 'Campaign not found');

/** 409 naming what the campaign's status allows. */
export function requireStatus(
  campaign: { status: CampaignStatus },
  allowed: CampaignStatus[],
  action: string,
): void {
  if (!allowed.includes(campaign.status)) {
    throw new DomainError(
      'CAMPAIGN_STATE',
      `Cannot ${action} a ${campaign.status} campaign (only when ${allowed.join(' or ')})`,
    );
  }
}

export interface ThrottleFields {
  timeZone: string;
  minDelayMs: number;
  maxDelayMs: number;
  typingMinMs: number;
  typingMaxMs: number;
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
}

/** Cross-field checks of a campaign's settings; returns the canonical time zone name. */
export function checkSettings(s: ThrottleFields): string {
  const errors: FieldError[] = [];
  const zone = canonicalTimeZone(s.timeZone);
  if (!zone)
    errors.push({
      field: 'timeZone',
      errors: [`"${s.timeZone}" is not an IANA time zone such as Asia/Jakarta or UTC`],
    });
  if (s.maxDelayMs < s.minDelayMs)
    errors.push({ field: 'maxDelayMs', errors: ['maxDelayMs must not be less than minDelayMs'] });
  if (s.typingMaxMs < s.typingMinMs)
    errors.push({ field: 'typingMaxMs', errors: ['typingMaxMs must not be less than typingMinMs'] });
  if ((s.quietHoursStart === null) !== (s.quietHoursEnd === null)) {
    errors.push({
      field: 'quietHoursEnd',
      errors: ['give both quietHoursStart and quietHoursEnd, or neither'],
    });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return zone!;
}

/** What stops a campaign from starting, in words (empty when it can start). */
export function messageProblems(c: {
  template: string;
  mediaPath: string | null;
  mediaType: string | null;
}): string[] {
  const problems: string[] = [];
  if (!c.template.trim() && !c.mediaPath)
    problems.push('the campaign has no message: write a template or add media');
  if (c.mediaType === 'audio' && c.template.trim()) {
    problems.push('an audio message cannot carry text: clear the template or send the file as a document');
  }
  return problems;
}

export const notReady = (problems: string[]) =>
  new DomainError('CAMPAIGN_NOT_READY', `The campaign cannot start: ${problems.join('; ')}`);
