import type { RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode } from '../api/problems';
import { authEnabled, type Config } from '../config';
import { TenantRegistry } from './tenantRegistry';
import { TENANT_ID_PATTERN } from './tenantsFile';

/** Who a request acts for, and the limits that apply to it. */
export interface Caller {
  /** The tenant; undefined on an open API (no tenants, no identity provider), whose callers see every job. */
  tenant: string | undefined;
  submitsPerMinute: number;
  maxActiveJobs: number;
}

/** A credential is printable ASCII without spaces; longer ones than this are not ours. */
const CREDENTIAL_PATTERN = /^[\x21-\x7e]{1,4096}$/;
const JWT_PATTERN = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const BEARER = /^Bearer +(\S*) *$/i;

/**
 * Decides who a request is: a tenant by its API key (Authorization: Bearer or X-API-Key)
 * or by a JWT from the identity provider; everyone alike on an open API.
 */
export class Authenticator {
  private constructor(
    private readonly config: Config,
    readonly registry: TenantRegistry | null,
    private readonly jwt: ((token: string) => Promise<string>) | null,
  ) {}

  /** @throws TenantsFileError when the tenants file cannot be used. */
  static async create(config: Config, logger: Logger): Promise<Authenticator> {
    const { tenantsFile, jwt } = config.auth;
    const registry = tenantsFile === undefined ? null : await TenantRegistry.open(tenantsFile, logger);
    return new Authenticator(config, registry, jwt === undefined ? null : jwtTenantReader(jwt));
  }

  /** The authenticator of an open API. @throws Error when the config asks for authentication. */
  static openFor(config: Config): Authenticator {
    if (authEnabled(config)) throw new Error('authentication is configured: create the authenticator with Authenticator.create');
    return new Authenticator(config, null, null);
  }

  get open(): boolean {
    return !authEnabled(this.config);
  }

  /** Sets the request's caller (see callerOf), or answers 401. */
  middleware(): RequestHandler {
    // On an open API every request is the same caller.
    const everyone: Caller = { tenant: undefined, ...this.config.tenantDefaults };
    return (req, res, next) => {
      if (this.open) {
        res.locals.caller = everyone;
        return next();
      }
      const credential = presentedCredential(req.headers.authorization, req.headers['x-api-key']);
      this.callerFor(credential).then(
        (caller) => {
          res.locals.caller = caller;
          next();
        },
        next,
      );
    };
  }

  close(): void {
    this.registry?.close();
  }

  private async callerFor(credential: string): Promise<Caller> {
    if (this.jwt && JWT_PATTERN.test(credential)) return this.callerOf(await this.jwt(credential));
    const tenant = this.registry?.tenantOfKey(credential);
    if (!tenant) throw unauthenticated('the API key is not valid (unknown or revoked)', true);
    return this.callerOf(tenant.id);
  }

  private callerOf(tenant: string): Caller {
    const entry = this.registry?.tenant(tenant);
    const defaults = this.config.tenantDefaults;
    return {
      tenant,
      submitsPerMinute: entry?.submitsPerMinute ?? defaults.submitsPerMinute,
      maxActiveJobs: entry?.maxActiveJobs ?? defaults.maxActiveJobs,
    };
  }
}

/** The caller authentication set on this request. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('no caller: the route is not behind the authenticator');
  return caller;
}

/** The one credential a request carries. @throws ApiError 401 */
function presentedCredential(authorization: string | undefined, apiKey: string | string[] | undefined): string {
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match) throw unauthenticated('use "Authorization: Bearer <key>" (or the X-API-Key header)', true);
    bearer = match[1];
  }
  // Node joins repeated X-API-Key headers with ", ", which no key contains.
  const key = Array.isArray(apiKey) ? apiKey.join(', ') : apiKey;
  if (bearer !== undefined && key !== undefined && bearer !== key) {
    throw unauthenticated('Authorization and X-API-Key carry different credentials; send one', true);
  }
  const credential = bearer ?? key;
  if (credential === undefined) {
    throw unauthenticated('send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"', false);
  }
  if (!CREDENTIAL_PATTERN.test(credential)) {
    throw unauthenticated('the credential is malformed: an API key is printable ASCII without spaces', true);
  }
  return credential;
}

function jwtTenantReader(jwt: NonNullable<Config['auth']['jwt']>): (token: string) => Promise<string> {
  const keys = createRemoteJWKSet(new URL(jwt.jwksUrl));
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: jwt.issuer, audience: jwt.audience }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSTimeout)) {
        throw unauthenticated(`the token is not valid: ${err.message}`, true);
      }
      // The key set could not be fetched: nothing is wrong with the token as far as is known.
      throw new ApiError(503, ApiErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, `the identity provider's keys cannot be fetched (${(err as Error).message})`, {
        headers: { 'Retry-After': '5' },
      });
    }
    const tenant = payload[jwt.tenantClaim];
    if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant)) {
      throw unauthenticated(`the token has no tenant in its "${jwt.tenantClaim}" claim`, true);
    }
    return tenant;
  };
}

function unauthenticated(detail: string, credentialGiven: boolean): ApiError {
  // RFC 6750: a rejected token is an invalid_token; a request without one gets the bare challenge.
  const challenge = credentialGiven ? 'Bearer realm="ocr-jobs", error="invalid_token"' : 'Bearer realm="ocr-jobs"';
  return new ApiError(401, ApiErrorCode.UNAUTHENTICATED, detail, { headers: { 'WWW-Authenticate': challenge } });
}
