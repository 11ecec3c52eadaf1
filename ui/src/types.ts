// What crosses the bridge from the Rust shell (camelCase, as serde renames it).

export interface SourceCounts {
  users: number;
  activeUsers: number;
  groups: number;
  memberships: number;
}

export interface SourceSummary {
  name: string;
  slug: string;
  enabled: boolean;
  scimBaseUrl: string;
  tokenPrefix: string;
  previousTokenValidUntil: string | null;
  created: string;
  counts: SourceCounts;
  requestsLastMinute: number;
  errors: number;
  lastRequest: string | null;
}

export interface IssuedToken {
  source: SourceSummary;
  token: string;
  keychainWarning: string | null;
}

export interface CopyOutcome {
  copied: boolean;
  clearAfterSeconds: number | null;
  token: string | null;
  reason: string | null;
}

export type Change =
  | { type: 'userCreated' | 'userUpdated' | 'userDisabled' | 'userEnabled' | 'userDeleted' }
  | { type: 'groupCreated' | 'groupUpdated' | 'groupRenamed' | 'groupDeleted' }
  | { type: 'membersChanged'; added: number; removed: number }
  | { type: 'refused' | 'read' }
  | { type: 'sourceCreated' | 'sourceUpdated' | 'sourceDeleted' | 'tokenRotated' };

export interface ProvisioningEvent {
  seq: number;
  source: string;
  time: string;
  method: string;
  path: string;
  status: number;
  change: Change;
  resourceId: string | null;
  summary: string;
  latencyMs: number;
}

export interface EventBatch {
  events: ProvisioningEvent[];
  missed: number;
}

export interface SourceCounters extends SourceCounts {
  slug: string;
  requestsLastMinute: number;
  errors: number;
  lastRequest: string | null;
  seq: number;
}

export interface ActivityEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  status: number;
  summary: string;
  latencyUs: number;
}

export type ScimResource = Record<string, unknown> & { id: string };

export interface SearchPage {
  total: number;
  offset: number;
  resources: ScimResource[];
}

export interface GroupRef {
  id: string;
  displayName: string;
}

export interface UserDetails {
  user: ScimResource;
  groups: GroupRef[];
}

export interface CommandFailure {
  kind: string;
  message: string;
}

export interface ServerStatus {
  starting: boolean;
  listening: string | null;
  requested: string | null;
  error: CommandFailure | null;
  publicUrl: string | null;
  bindFromEnvironment: boolean;
}

export interface SettingsView {
  bind: string;
  publicUrl: string | null;
  clipboardClearSeconds: number;
  dataDir: string;
  databasePath: string;
  logDir: string;
  logFilePrefix: string;
}
