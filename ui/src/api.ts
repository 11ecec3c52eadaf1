// The one module that talks to the Rust shell: every `invoke` and `listen` is here.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import { sentence } from './format';
import type {
  ActivityEntry,
  CopyOutcome,
  EventBatch,
  IssuedToken,
  ScimResource,
  SearchPage,
  ServerStatus,
  SettingsView,
  SourceCounters,
  SourceSummary,
  UserDetails,
} from './types';

/** A failed command: `kind` says what went wrong (`slugTaken`, `keychain`, `bind`, ...). */
export class ApiError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'ApiError';
  }
}

/** Turn whatever a command rejected with into an ApiError whose message is a sentence. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object' && 'kind' in err && 'message' in err) {
    const { kind, message } = err as { kind: unknown; message: unknown };
    return new ApiError(String(kind), sentence(String(message)));
  }
  if (typeof err === 'string') return new ApiError('unknown', sentence(err));
  if (err instanceof Error) return new ApiError('unknown', sentence(err.message));
  return new ApiError('unknown', 'Something went wrong.');
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toApiError(err);
  }
}

export const api = {
  listSources: () => call<SourceSummary[]>('list_sources'),
  getSource: (slug: string) => call<SourceSummary>('get_source', { slug }),
  suggestSlug: (name: string) => call<string>('suggest_slug', { name }),
  createSource: (name: string, slug: string | null) =>
    call<IssuedToken>('create_source', { name, slug: slug?.trim() ? slug.trim() : null }),
  setSourceEnabled: (slug: string, enabled: boolean) => call<SourceSummary>('set_source_enabled', { slug, enabled }),
  deleteSource: (slug: string) => call<void>('delete_source', { slug }),
  rotateToken: (slug: string, overlapMinutes: number | null) =>
    call<IssuedToken>('rotate_token', { slug, overlapMinutes: overlapMinutes && overlapMinutes > 0 ? overlapMinutes : null }),
  copyToken: (slug: string) => call<CopyOutcome>('copy_token', { slug }),
  copySecret: (secret: string) => call<CopyOutcome>('copy_secret', { secret }),
  copyText: (text: string) => call<void>('copy_text', { text }),

  search: (slug: string, resource: 'user' | 'group', text: string, offset: number, limit: number) =>
    call<SearchPage>('search_directory', { slug, resource, text, offset, limit }),
  userDetails: (slug: string, id: string) => call<UserDetails>('user_details', { slug, id }),
  groupDetails: (slug: string, id: string) => call<ScimResource>('group_details', { slug, id }),
  counters: (slug: string) => call<SourceCounters>('source_counters', { slug }),
  activity: (slug: string, limit: number) => call<ActivityEntry[]>('source_activity', { slug, limit }),

  getSettings: () => call<SettingsView>('get_settings'),
  serverStatus: () => call<ServerStatus>('server_status'),
  restartServer: (bind: string) => call<ServerStatus>('restart_server', { bind }),
  setPublicUrl: (url: string) => call<ServerStatus>('set_public_url', { url: url.trim() ? url.trim() : null }),
  setClipboardClearSeconds: (seconds: number) => call<void>('set_clipboard_clear_seconds', { seconds }),

  /** Batches of provisioning events, about ten a second while requests arrive. */
  onProvisioning: (handler: (batch: EventBatch) => void): Promise<UnlistenFn> =>
    listen<EventBatch>('provisioning', (e) => handler(e.payload)),
  onServerStatus: (handler: (status: ServerStatus) => void): Promise<UnlistenFn> =>
    listen<ServerStatus>('server-status', (e) => handler(e.payload)),
};

export type Api = typeof api;
