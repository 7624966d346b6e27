import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { AppConfig } from './app-config';

/**
 * The one validated AppConfig, for every module; `settings` are other values fixed at start beside it
 * (the WhatsApp socket settings of sandbox mode and the tests).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, settings: Provider[] = []): DynamicModule {
    const providers: Provider[] = [{ provide: AppConfig, useValue: config }, ...settings];
    const tokens = providers.map((p) => ('provide' in p ? p.provide : p));
    return { module: ConfigModule, providers, exports: tokens };
  }
}
