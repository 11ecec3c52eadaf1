// The one module that talks to the Rust shell. The commands and events themselves are generated
// from the Rust definitions (bindings.ts); here their failures become ApiErrors and the schemaless
// SCIM documents are checked once, so components get plain typed values.

import type { UnlistenFn } from '@tauri-apps/api/event';

import { commands, events, type AlertView, type CheckReport, type ErrorKind, type EventBatch, type IdentityProvider, type NotificationKind, type SearchedResource, type ServerStatus, type Value } from './bindings';
import { sentence } from './format';
import type { ResourcePage, ScimResource, UserResource } from './types';

/** Every kind the shell sends. Typed against the Rust enum: a kind added there fails here until listed. */
const ERROR_KINDS: Record<ErrorKind, true> = {
  store: true, internal: true, newerDatabase: true, dataDir: true, invalidSlug: true, sourceNotFound: true,
  slugTaken: true, invalidInput: true, keychain: true, bind: true, clipboard: true, launchAtLogin: true, notFound: true, directory: true, servedElsewhere: true,
};

/** A CommandError's kind, or `unknown` for a failure outside the command (e.g. bad arguments). */
export type ApiErrorKind = ErrorKind | 'unknown';

function isErrorKind(kind: unknown): kind is ErrorKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(ERROR_KINDS, kind);
}

/** A failed command: `kind` says what went wrong (`slugTaken`, `keychain`, `bind`, ...). */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  constructor(kind: ApiErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'ApiError';
  }
}

/** Turn whatever a command rejected with into an ApiError whose message is a sentence. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object' && 'kind' in err && 'message' in err) {
    const { kind, message } = err;
    return new ApiError(isErrorKind(kind) ? kind : 'unknown', sentence(String(message)));
  }
  if (typeof err === 'string') return new ApiError('unknown', sentence(err));
  if (err instanceof Error) return new ApiError('unknown', sentence(err.message));
  return new ApiError('unknown', 'Something went wrong.');
}

async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw toApiError(err);
  }
}

/** A SCIM document from the engine, checked to be a resource (an object with an id). */
export function toScimResource(value: Value): ScimResource {
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.id === 'string') {
    return value as ScimResource;
  }
  throw new ApiError('unknown', 'ScimDesk sent a resource without an id.');
}

export const api = {
  listSources: () => call(() => commands.listSources()),
  getSource: (slug: string) => call(() => commands.getSource(slug)),
  suggestSlug: (name: string) => call(() => commands.suggestSlug(name)),
  createSource: (name: string, slug: string | null, provider: IdentityProvider = 'entra') =>
    call(() => commands.createSource(name, slug?.trim() ? slug.trim() : null, provider)),
  setSourceEnabled: (slug: string, enabled: boolean) => call(() => commands.setSourceEnabled(slug, enabled)),
  deleteSource: (slug: string) => call(() => commands.deleteSource(slug)),
  rotateToken: (slug: string, overlapMinutes: number | null) =>
    call(() => commands.rotateToken(slug, overlapMinutes && overlapMinutes > 0 ? overlapMinutes : null)),
  copyToken: (slug: string) => call(() => commands.copyToken(slug)),
  copySecret: (secret: string) => call(() => commands.copySecret(secret)),
  copyText: (text: string) => call(() => commands.copyText(text)),

  search: async (slug: string, resource: SearchedResource, text: string, offset: number, limit: number): Promise<ResourcePage> => {
    const page = await call(() => commands.searchDirectory(slug, resource, text, offset, limit));
    return { ...page, resources: page.resources.map(toScimResource) };
  },
  userDetails: async (slug: string, id: string): Promise<UserResource> => {
    const details = await call(() => commands.userDetails(slug, id));
    return { user: toScimResource(details.user), groups: details.groups };
  },
  groupDetails: async (slug: string, id: string): Promise<ScimResource> => toScimResource(await call(() => commands.groupDetails(slug, id))),
  counters: (slug: string) => call(() => commands.sourceCounters(slug)),
  activity: (slug: string, limit: number) => call(() => commands.sourceActivity(slug, limit)),
  /** Requests from `since` (Unix seconds) on, per kind, in buckets of `bucketSeconds`, from the activity log. */
  activityPerBucket: (slug: string, since: number, bucketSeconds: number) =>
    call(() => commands.sourceActivityPerBucket(slug, since, bucketSeconds)),

  getSettings: () => call(() => commands.getSettings()),
  serverStatus: () => call(() => commands.serverStatus()),
  restartServer: (bind: string) => call(() => commands.restartServer(bind)),
  /** After the background service stopped: serve from this window. */
  serveHere: () => call(() => commands.serveHere()),
  setPublicUrl: (url: string) => call(() => commands.setPublicUrl(url.trim() ? url.trim() : null)),
  setClipboardClearSeconds: (seconds: number) => call(() => commands.setClipboardClearSeconds(seconds)),
  /** Entra's provisioning interval ("40m"); answers it as saved. */
  setCycleInterval: (interval: string) => call(() => commands.setCycleInterval(interval)),
  /** Whether ScimDesk starts hidden, in the tray, at login. */
  launchAtLogin: () => call(() => commands.launchAtLogin()),
  setLaunchAtLogin: (enabled: boolean) => call(() => commands.setLaunchAtLogin(enabled)),
  /** The latest automatic check of the public URL (null before the first). */
  publicUrlStatus: () => call(() => commands.publicUrlStatus()),
  /** Check now that Entra can reach the source through the public URL. */
  checkPublicUrl: (slug: string) => call(() => commands.checkPublicUrl(slug)),
  notificationSettings: () => call(() => commands.notificationSettings()),
  /** What needs the admin now: quiet sources, refusal bursts. */
  healthConditions: () => call(() => commands.healthConditions()),
  /** A source's last request and last cycle. */
  sourceHealth: (slug: string) => call(() => commands.sourceHealth(slug)),
  setNotification: (kind: NotificationKind, enabled: boolean) => call(() => commands.setNotification(kind, enabled)),

  /** Batches of provisioning events, about ten a second while requests arrive. */
  onProvisioning: (handler: (batch: EventBatch) => void): Promise<UnlistenFn> =>
    events.provisioning.listen((e) => handler(e.payload)),
  onServerStatus: (handler: (status: ServerStatus) => void): Promise<UnlistenFn> =>
    events.serverStatus.listen((e) => handler(e.payload)),
  onHealthChanged: (handler: (conditions: AlertView[]) => void): Promise<UnlistenFn> =>
    events.healthChanged.listen((e) => handler(e.payload.conditions)),
  onPublicUrlChecked: (handler: (report: CheckReport | null) => void): Promise<UnlistenFn> =>
    events.publicUrlChecked.listen((e) => handler(e.payload.report)),
};

export type Api = typeof api;
