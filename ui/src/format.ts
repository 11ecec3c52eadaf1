// Words and numbers as the window shows them.

import type { Change, ServerStatus } from './bindings';

/** An engine message as a sentence: capital first letter, final full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return 'Something went wrong.';
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(first) ? first : `${first}.`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", else the local date. */
export function timeAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(then).toLocaleString();
}

/**
 * `timeAgo` to the minute: "less than a minute ago" where `timeAgo` counts seconds. For text that
 * follows the clock by itself, so that it changes once a minute rather than every second (each
 * change repaints the window: about 4% of a core, idle, under Xvfb's software rendering).
 */
export function minutesAgo(iso: string | null | undefined, now: number = Date.now()): string {
  const text = timeAgo(iso, now);
  return / s ago$/.test(text) ? 'less than a minute ago' : text;
}

/** The time (ms since the epoch) at which `minutesAgo(iso, ...)` next reads differently from
 *  what it reads at `now`, or null when it never will (no time, or shown as a date). */
export function minutesAgoChangesAt(iso: string | null | undefined, now: number = Date.now()): number | null {
  if (!iso) return null;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return null;
  // timeAgo rounds to whole seconds: it reads `n` seconds from (n - 0.5) s after `then`.
  const from = (seconds: number) => then + seconds * 1000 - 500;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 5) return from(5);
  if (seconds < 60) return from(60);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return from((minutes + 1) * 60);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return from((hours + 1) * 3600);
  return null;
}

/** "14:03:27" in local time. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

export function latency(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** What the Activity feed and chart group requests by. */
export type RequestKind = 'users' | 'groups' | 'reads' | 'refused' | 'source';

export function kindOfChange(change: Change): RequestKind {
  switch (change.type) {
    case 'userCreated':
    case 'userUpdated':
    case 'userDisabled':
    case 'userEnabled':
    case 'userDeleted':
      return 'users';
    case 'groupCreated':
    case 'groupUpdated':
    case 'groupRenamed':
    case 'groupDeleted':
    case 'membersChanged':
      return 'groups';
    case 'refused':
      return 'refused';
    case 'read':
      return 'reads';
    default:
      return 'source';
  }
}

/** The label of a change in the feed. */
export function changeLabel(change: Change): string {
  switch (change.type) {
    case 'userCreated': return 'User created';
    case 'userUpdated': return 'User updated';
    case 'userDisabled': return 'User disabled';
    case 'userEnabled': return 'User enabled';
    case 'userDeleted': return 'User deleted';
    case 'groupCreated': return 'Group created';
    case 'groupUpdated': return 'Group updated';
    case 'groupRenamed': return 'Group renamed';
    case 'groupDeleted': return 'Group deleted';
    case 'membersChanged': return 'Members changed';
    case 'refused': return 'Refused';
    case 'read': return 'Read';
    case 'sourceCreated': return 'Source created';
    case 'sourceUpdated': return 'Source updated';
    case 'sourceDeleted': return 'Source deleted';
    case 'tokenRotated': return 'Token rotated';
    case 'checked': return 'Reachability check';
  }
}

/** Flatten a SCIM resource into rows of (attribute path, value) for the details view. */
export function flattenAttributes(value: unknown, prefix = ''): Array<[string, string]> {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => flattenAttributes(item, `${prefix}[${i}]`));
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flattenAttributes(v, prefix ? `${prefix}.${k}` : k),
    );
  }
  return [[prefix, attributeText(value)]];
}

/** A SCIM attribute value as text: strings as they are, other values as JSON, nothing as ''. */
export function attributeText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The work (or primary, or first) email of a SCIM user. */
export function primaryEmail(user: Record<string, unknown>): string {
  const emails = Array.isArray(user.emails) ? (user.emails as Array<Record<string, unknown>>) : [];
  const pick = emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0];
  return typeof pick?.value === 'string' ? pick.value : '';
}

/** "127.0.0.1:7643" -> "127.0.0.1:7644": a likely free neighbour to offer. */
export function suggestNextPort(addr: string): string {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port >= 65535) return addr;
  return `${addr.slice(0, i)}:${port + 1}`;
}

/** Who serves the data folder when the window is attached to another process. */
export function servedBy(status: ServerStatus): string {
  const who = { window: 'another ScimDesk window', tray: 'ScimDesk in the tray', service: 'the background service' }[status.servedBy?.kind ?? 'service'];
  const where = status.servedBy?.listening ? ` on ${status.servedBy.listening}` : '';
  return `Served by ${who}${where}`;
}
