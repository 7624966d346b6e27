import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { DashboardStats } from './dashboard-stats.service';

@Module({ controllers: [DashboardController], providers: [DashboardStats], exports: [DashboardStats] })
export class DashboardModule {}
