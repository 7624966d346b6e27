import { Injectable } from '@nestjs/common';
import { DomainError, validationFailed } from '../../common/errors';
import { SandboxRuntime } from './sandbox-runtime';

/** A simulated contact's profile as the sandbox shows it. */
export interface SandboxProfile {
  phoneNumber: string;
  pictureUrl: string | null;
  about: string | null;
}

/**
 * Profiles and block lists in sandbox mode: what a simulated contact shows others (its profile
 * picture URL and about text, answered to Baileys' profilePictureUrl and fetchStatus), and which
 * numbers an account blocked through its companions (Baileys' updateBlockStatus).
 */
@Injectable()
export class SandboxProfilesService {
  constructor(private readonly runtime: SandboxRuntime) {}

  private get simulator() {
    return this.runtime.simulator;
  }

  profile(phone: string): SandboxProfile {
    this.requireUser(phone);
    return this.view(phone);
  }

  setProfile(phone: string, change: { pictureUrl?: string | null; about?: string | null }): SandboxProfile {
    this.requireUser(phone);
    this.simulator.setProfile(phone, change);
    return this.view(phone);
  }

  blocklist(phone: string): { phoneNumber: string; blocked: string[] } {
    this.requireUser(phone);
    return { phoneNumber: phone, blocked: this.simulator.blocklistOf(phone) };
  }

  private view(phone: string): SandboxProfile {
    const p = this.simulator.profileOf(phone);
    return { phoneNumber: phone, pictureUrl: p.pictureUrl ?? null, about: p.about ?? null };
  }

  private requireUser(phone: string): void {
    if (!/^\d{8,15}$/.test(phone))
      throw validationFailed([
        { field: 'phone', errors: ['phone must be 8-15 digits with the country code'] },
      ]);
    if (!this.simulator.hasUser(phone))
      throw new DomainError('CONTACT_NOT_FOUND', `No simulated contact ${phone}`);
  }
}
