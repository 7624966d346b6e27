import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AUTH_REQUIREMENTS, type AuthRequirement } from '../../src/auth/auth-requirements';

export interface RouteInfo {
  method: string;
  /** Express path, e.g. /api/v1/users/:id */
  path: string;
  /** `METHOD /path`, for readable assertions. */
  key: string;
  isPublic: boolean;
  /** The route's own requirements, else its controller's, else undefined (deny by default). */
  requirements: AuthRequirement[] | undefined;
}

const joinPath = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : [String(value ?? '')];

/** Every HTTP route the running application registered, read from Nest's own controller metadata. */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const scanner = new MetadataScanner();
  const routes = new Map<string, RouteInfo>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (paths === undefined || method === undefined) continue;
        const requirements = (Reflect.getMetadata(AUTH_REQUIREMENTS, handler) ??
          Reflect.getMetadata(AUTH_REQUIREMENTS, controller)) as AuthRequirement[] | undefined;
        for (const prefix of prefixes) {
          for (const path of asList(paths)) {
            const verb = RequestMethod[method] === 'ALL' ? 'GET' : RequestMethod[method];
            const full = joinPath(prefix, path);
            const key = `${verb} ${full}`;
            routes.set(key, {
              method: verb,
              path: full,
              key,
              isPublic: requirements?.some((r) => r.kind === 'public') ?? false,
              requirements,
            });
          }
        }
      }
    }
  }
  return [...routes.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** A concrete URL for a route: every parameter (`:id`, `*path`) filled with a harmless value. */
export const concretePath = (path: string): string =>
  path
    .replace(/:(\w+)(\([^)]*\))?\??/g, '1')
    .replace(/\*\w*/g, 'x')
    .replace(/[{}]/g, '');

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
