import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { EgressPolicy } from './address-policy';

/** Where the gateway may connect on a user's behalf, by kind of request (from the configuration). */
@Injectable()
export class EgressPolicies {
  /** Webhook deliveries and tests: private targets when WEBHOOK_ALLOW_PRIVATE (default: not in production). */
  readonly webhooks: EgressPolicy;
  /** Media an API client asks to send by URL: public addresses unless MEDIA_URL_ALLOW_PRIVATE. */
  readonly mediaUrls: EgressPolicy;

  /**
   * Inbound media downloads: WhatsApp's media hosts over https at public addresses; in sandbox mode
   * (the simulator's origin given) only that origin, whatever its address.
   */
  inboundMedia(sandboxOrigin: string | null): EgressPolicy {
    return sandboxOrigin
      ? { allowPrivate: false, trustedOrigins: [sandboxOrigin], hostAllowed: () => false }
      : { allowPrivate: false, hostAllowed: isWhatsAppMediaHost };
  }

  constructor(config: AppConfig) {
    this.webhooks = { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE ?? !config.isProduction };
    this.mediaUrls = { allowPrivate: config.MEDIA_URL_ALLOW_PRIVATE };
  }
}

/** WhatsApp's media hosts (Baileys' DEF_MEDIA_HOST is mmg.whatsapp.net; CDN hosts are *.whatsapp.net). */
export const isWhatsAppMediaHost = (hostname: string): boolean =>
  hostname === 'mmg.whatsapp.net' || hostname.endsWith('.whatsapp.net');
