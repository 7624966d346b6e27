import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExpressAdapter } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** The SPA's own files (index.html, css/, js/), next to src/ and dist/ in the project root. */
export const ADMIN_ROOT = resolve(__dirname, '..', '..', 'admin');
export const ADMIN_PREFIX = '/admin';

/** Browser files taken straight from npm packages: URL name -> package and the folder it serves. */
const VENDOR_PACKAGES: Record<string, { pkg: string; folder: string }> = {
  bootstrap: { pkg: 'bootstrap', folder: 'dist' },
  'chart.js': { pkg: 'chart.js', folder: 'dist' },
};

export interface VendorPackage {
  name: string;
  version: string;
  dir: string;
}

/** Where npm installed a package (read from disk: some packages do not export their package.json). */
function packageRoot(pkg: string): string {
  const root = (require.resolve.paths(pkg) ?? [])
    .map((dir) => join(dir, pkg))
    .find((dir) => existsSync(join(dir, 'package.json')));
  if (!root) throw new Error(`The admin SPA needs the npm package ${pkg}; run npm install`);
  return root;
}

export function vendorPackages(): VendorPackage[] {
  return Object.entries(VENDOR_PACKAGES).map(([name, { pkg, folder }]) => {
    const root = packageRoot(pkg);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    return { name, version, dir: join(root, folder) };
  });
}

/**
 * index.html names vendor files without a version (`/admin/vendor/bootstrap/...`); it goes out with
 * the installed version in those URLs, so browsers may keep vendor files for a year and still get
 * the new ones the day a package is upgraded.
 */
export function renderIndex(html: string, vendors: VendorPackage[]): string {
  return vendors.reduce(
    (page, v) =>
      page.split(`${ADMIN_PREFIX}/vendor/${v.name}/`).join(`${ADMIN_PREFIX}/vendor/${v.name}@${v.version}/`),
    html,
  );
}

const YEAR_SECONDS = 365 * 24 * 3600;
const noCache = (res: Response) => res.setHeader('Cache-Control', 'no-cache');

/** Public, non-secret facts the login page needs before anyone is logged in. */
export interface AdminClientConfig {
  legacyLogin: boolean;
}

/**
 * Serves the admin SPA under /admin straight from Express, outside Nest's router (these are public
 * static files; the API behind them is where access is checked):
 * - /admin/vendor/<name>@<version>/... from node_modules, cached for a year (immutable);
 * - /admin/config.json, what the login page needs to know;
 * - /admin/css, /admin/js, ... from admin/, revalidated on every load (ETag);
 * - any other GET under /admin without a file extension: index.html, so client routes survive a reload;
 * - GET / leads to /admin/ (the first seed served its dashboard at /).
 */
export function mountAdminSpa(adapter: ExpressAdapter, clientConfig: AdminClientConfig): void {
  const vendors = vendorPackages();
  const index = renderIndex(readFileSync(join(ADMIN_ROOT, 'index.html'), 'utf8'), vendors);

  for (const vendor of vendors) {
    adapter.useStaticAssets(vendor.dir, {
      prefix: `${ADMIN_PREFIX}/vendor/${vendor.name}@${vendor.version}`,
      index: false,
      immutable: true,
      maxAge: YEAR_SECONDS * 1000,
    });
    adapter.useStaticAssets(vendor.dir, {
      prefix: `${ADMIN_PREFIX}/vendor/${vendor.name}`,
      index: false,
      setHeaders: noCache,
    });
  }
  adapter.get('/', (_req: Request, res: Response) => res.redirect(302, `${ADMIN_PREFIX}/`));
  adapter.get(`${ADMIN_PREFIX}/config.json`, (_req: Request, res: Response) => {
    noCache(res);
    res.json(clientConfig);
  });
  adapter.useStaticAssets(ADMIN_ROOT, { prefix: ADMIN_PREFIX, index: false, setHeaders: noCache });
  adapter.use(ADMIN_PREFIX, (req: Request, res: Response, next: NextFunction) => {
    const isPage = (req.method === 'GET' || req.method === 'HEAD') && !/\.[a-z0-9]+$/i.test(req.path);
    if (!isPage) return next();
    noCache(res);
    res.type('html').send(index);
  });
}
