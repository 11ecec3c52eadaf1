// Types of the window's own. What crosses the bridge is in bindings.ts, generated from Rust.

import type { GroupRef } from './bindings';

/** A SCIM resource as the engine renders it: schemaless JSON with an id (checked in api.ts). */
export type ScimResource = { id: string } & Record<string, unknown>;

/** A user with the groups it belongs to. */
export interface UserResource {
  user: ScimResource;
  groups: GroupRef[];
}

/** One page of users or groups. */
export interface ResourcePage {
  total: number;
  offset: number;
  resources: ScimResource[];
}
