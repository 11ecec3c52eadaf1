import { Alert } from '@mantine/core';

import type { SourceSummary } from '../../bindings';

/** Shown while the SCIM Base URL is an address on this computer, which no cloud provider reaches. */
export function LocalAddressAlert({ source, provider, field }: { source: SourceSummary; provider: string; field: string }) {
  if (!/^http:\/\/(127\.|localhost|\[::1\])/.test(source.scimBaseUrl)) return null;
  return (
    <Alert color="yellow" mb="sm">
      {provider} cannot reach an address on this computer. Run a tunnel (cloudflared, ngrok or Tailscale Funnel) to this
      computer's listen address and set its https address as the public URL in Settings; the {field} below then uses it.
    </Alert>
  );
}
