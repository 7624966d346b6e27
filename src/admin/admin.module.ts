import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { mountAdminSpa } from './admin-assets';

/**
 * The admin SPA (admin/) at /admin. Mounted while the app initialises: after Nest's routes, before
 * its not-found handler, and behind the security headers configureApp sets (the strict CSP).
 */
@Module({})
export class AdminModule implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    mountAdminSpa(this.host.httpAdapter as ExpressAdapter, {
      legacyLogin: Boolean(
        this.config.ADMIN_DASHBOARD_PASSWORD && this.config.ADMIN_DASHBOARD_PASSWORD_ENABLED,
      ),
    });
  }
}
