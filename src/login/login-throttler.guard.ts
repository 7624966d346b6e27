import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerGuard, type ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';

/**
 * Per-IP limit on password guessing: LOGIN_RATE_LIMIT_PER_MINUTE attempts a minute, shared by every
 * route that checks a password (login, legacy login, change password), then 429 until the minute
 * ends. Used with @UseGuards on those routes, on top of the global limit.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  private ready?: Promise<void>;

  // Every parameter named explicitly: ThrottlerGuard's own @Inject metadata would otherwise be inherited.
  constructor(
    @Inject(AppConfig) config: AppConfig,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    @Inject(Reflector) reflector: Reflector,
  ) {
    super(
      {
        throttlers: [{ name: 'login', ttl: 60_000, limit: config.LOGIN_RATE_LIMIT_PER_MINUTE }],
        // One budget per address across all the routes, not one per route.
        generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      },
      storage,
      reflector,
    );
  }

  override async onModuleInit(): Promise<void> {
    this.ready ??= super.onModuleInit();
    await this.ready;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.onModuleInit();
    return super.canActivate(context);
  }
}
