import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { compare, hash } from 'bcrypt';
import { AppConfig } from '../config/app-config';

/** bcrypt with the cost from the configuration: 12, or 4 under NODE_ENV=test so tests stay fast. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  readonly cost: number;
  private readonly logger = new Logger(PasswordHasher.name);
  private dummyHash?: Promise<string>;

  constructor(config: AppConfig) {
    this.cost = config.NODE_ENV === 'test' ? 4 : 12;
  }

  onModuleInit(): void {
    // Ready before the first login, so an unknown email never pays for making it.
    void this.dummy().catch((error: unknown) => this.logger.error({ err: error }, 'bcrypt failed'));
  }

  hash(password: string): Promise<string> {
    return hash(password, this.cost);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return compare(password, passwordHash);
  }

  /** Spends the time of a real check against a hash nobody knows: always false. */
  async verifyNothing(password: string): Promise<false> {
    await compare(password, await this.dummy());
    return false;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hash(randomBytes(16).toString('hex'), this.cost);
    return this.dummyHash;
  }
}

/** A strong random password (144 bits) for the first admin and for resets without a given password. */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
