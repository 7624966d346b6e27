import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import type { Prisma, User } from '../generated/prisma/client';
import { mapUser, type UserView } from '../auth/user-view';
import { API_AUDIENCE } from '../auth/jwt-settings';
import { userPrincipal, type UserPrincipal } from '../auth/principal';
import { RefreshTokensService, type IssuedRefreshToken } from '../auth/refresh-tokens.service';

/** What login, refresh and a password change answer. */
export interface AuthTokens {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  user: UserView;
}

/** Signs access tokens and puts together the token answer of a login. */
@Injectable()
export class AuthTokensIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly refreshTokens: RefreshTokensService,
  ) {}

  /** A new login (refresh-token family) for the user, with its first access token. */
  async startLogin(
    user: User,
    tx?: Prisma.TransactionClient,
  ): Promise<{ tokens: AuthTokens; principal: UserPrincipal }> {
    const refresh = await this.refreshTokens.startFamily(user.id, tx);
    return { tokens: await this.answer(user, refresh), principal: userPrincipal(user, refresh.familyId) };
  }

  async answer(user: User, refresh: IssuedRefreshToken): Promise<AuthTokens> {
    const accessToken = await this.jwt.signAsync(
      { sid: refresh.familyId },
      { subject: String(user.id), audience: API_AUDIENCE, expiresIn: this.config.JWT_TTL_SECONDS },
    );
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.JWT_TTL_SECONDS,
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.expiresAt,
      user: mapUser(user),
    };
  }
}
