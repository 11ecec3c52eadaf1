import { describe, expect, it } from 'vitest';

import { PROVIDERS, providerInfo } from './providers';

describe('providers', () => {
  it('names the console fields the admin pastes into, per provider', () => {
    expect(providerInfo('entra').baseUrlField).toBe('Tenant URL');
    expect(providerInfo('okta').baseUrlField).toBe('SCIM connector base URL');
    expect(providerInfo('onelogin').tokenField).toBe('SCIM Bearer Token');
  });

  it('offers each provider once, Entra ID first (the default)', () => {
    expect(PROVIDERS.map((p) => p.value)).toEqual(['entra', 'okta', 'onelogin', 'other']);
  });
});
