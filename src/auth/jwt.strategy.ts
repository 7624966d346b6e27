import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { SecretBox } from '../crypto/secret-box';
import { API_AUDIENCE, JWT_ISSUER, jwtSecret, type AccessClaims } from './jwt-settings';
import type { UserPrincipal } from './principal';
import { UserPrincipals } from './user-principals';

type AuthenticateCallback = (error: unknown, user: UserPrincipal | false | null) => void;

/**
 * passport-jwt for user access tokens (HS256, our issuer and API audience, expiry enforced).
 * It registers with its own Passport instance rather than the process-wide one, so two gateways in
 * one process (tests, benchmarks) never validate each other's tokens against the wrong database.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private passportInstance?: passport.Authenticator;

  constructor(
    config: AppConfig,
    box: SecretBox,
    private readonly principals: UserPrincipals,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject (the same bytes jsonwebtoken would derive from the string): given a string,
      // jsonwebtoken first tries to parse it as a PEM public key on every request (~1 ms of CPU).
      // The typings say string | Buffer; jsonwebtoken.verify takes a KeyObject as well.
      secretOrKey: createSecretKey(Buffer.from(jwtSecret(config, box))) as unknown as Buffer,
      issuer: JWT_ISSUER,
      audience: API_AUDIENCE,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  /** Called by @nestjs/passport's mixin while constructing, before any field initialiser has run. */
  getPassportInstance(): passport.Authenticator {
    this.passportInstance ??= new passport.Passport();
    return this.passportInstance;
  }

  validate(claims: AccessClaims): Promise<UserPrincipal | null> {
    return this.principals.fromClaims(claims.sub, claims.sid);
  }

  /** The user of the request's bearer JWT, or null when it is missing, invalid, expired or revoked. */
  authenticateRequest(req: Request, res: Response): Promise<UserPrincipal | null> {
    return new Promise((resolve, reject) => {
      const callback: AuthenticateCallback = (error, user) => (error ? reject(error) : resolve(user || null));
      const middleware = this.getPassportInstance().authenticate('jwt', { session: false }, callback) as (
        req: Request,
        res: Response,
        next: (error?: unknown) => void,
      ) => void;
      middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve(null)));
    });
  }
}
