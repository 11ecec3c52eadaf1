import type { IdentityProvider } from '../bindings';

/** What the window says about one identity provider: its name and its console's field names. */
export interface ProviderInfo {
  value: IdentityProvider;
  label: string;
  /** The console field the SCIM Base URL is pasted into. */
  baseUrlField: string;
  /** The console field the token is pasted into. */
  tokenField: string;
  /** A name for a new source of this provider. */
  suggestedName: string;
}

export const PROVIDERS: readonly ProviderInfo[] = [
  { value: 'entra', label: 'Microsoft Entra ID', baseUrlField: 'Tenant URL', tokenField: 'Secret Token', suggestedName: 'Entra ID' },
  { value: 'okta', label: 'Okta', baseUrlField: 'SCIM connector base URL', tokenField: 'Authorization (Bearer token)', suggestedName: 'Okta' },
  { value: 'onelogin', label: 'OneLogin', baseUrlField: 'SCIM Base URL', tokenField: 'SCIM Bearer Token', suggestedName: 'OneLogin' },
  { value: 'other', label: 'Other SCIM client', baseUrlField: 'SCIM base URL', tokenField: 'Bearer token', suggestedName: 'SCIM client' },
];

/** The window's words for `provider`. */
export function providerInfo(provider: IdentityProvider): ProviderInfo {
  return PROVIDERS.find((p) => p.value === provider) ?? PROVIDERS[0];
}
