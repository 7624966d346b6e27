import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { CryptoModule } from '../crypto/crypto.module';
import { SecretBox } from '../crypto/secret-box';
import { AccessGuard } from './access.guard';
import { Clock } from './clock';
import { JWT_ISSUER, jwtSecret } from './jwt-settings';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenRetention } from './refresh-token-retention';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionTokensService } from './session-tokens.service';
import { UserPrincipals } from './user-principals';
import { UsersRepository } from './users.repository';
import { WsTokenService } from './ws-token.service';

const jwt = JwtModule.registerAsync({
  imports: [CryptoModule],
  inject: [AppConfig, SecretBox],
  useFactory: (config: AppConfig, box: SecretBox) => ({
    secret: jwtSecret(config, box),
    signOptions: { issuer: JWT_ISSUER, algorithm: 'HS256' },
    verifyOptions: { issuer: JWT_ISSUER, algorithms: ['HS256'] },
  }),
});

/**
 * Who may call what: the global AccessGuard (deny by default), the request's Actor, and the
 * credentials it checks: accounts (the users table), logins (refresh tokens), session API tokens,
 * WebSocket tokens; the request rate limits. Signing in and out is src/login's.
 */
@Module({
  imports: [
    CryptoModule,
    jwt,
    // The global per-IP limit (AppModule applies its guard first); login's own limit shares its storage.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
      }),
    }),
  ],
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    Clock,
    JwtStrategy,
    PasswordHasher,
    RefreshTokenRetention,
    RefreshTokensService,
    SessionTokensService,
    UserPrincipals,
    UsersRepository,
    WsTokenService,
  ],
  exports: [
    jwt,
    Clock,
    PasswordHasher,
    RefreshTokensService,
    SessionTokensService,
    UsersRepository,
    WsTokenService,
  ],
})
export class AuthModule {}
