import { Code, List } from '@mantine/core';

import type { SourceSummary } from '../../bindings';
import { GuideCard } from './GuideCard';

/** The steps in Entra ID, with the exact values to paste. */
export function EntraGuide({ source }: { source: SourceSummary }) {
  return (
    <GuideCard
      source={source}
      title="Connect Entra ID"
      provider="Entra ID"
      field="Tenant URL"
      testId="entra-guide"
      note={<>Entra runs a cycle every 40 minutes; “Provision on demand” sends one user at once.</>}
    >
      <List.Item>In the Microsoft Entra admin center: <b>Enterprise applications</b> → <b>New application</b> → <b>Create your own application</b> → “Integrate any other application you don't find in the gallery (Non-gallery)”.</List.Item>
      <List.Item>In the new application: <b>Provisioning</b> → <b>New configuration</b> (or “Get started”), Provisioning Mode <b>Automatic</b>.</List.Item>
      <List.Item>Tenant URL: <Code>{source.scimBaseUrl}</Code></List.Item>
      <List.Item>Secret Token: click <b>Copy token</b> above and paste it.</List.Item>
      <List.Item><b>Test connection</b>. The Activity tab shows the test request arriving (a user query that matches nobody).</List.Item>
      <List.Item>Under <b>Users and groups</b>, assign who is provisioned (or choose “Sync all users and groups” in Settings → Scope), then set Provisioning Status to <b>On</b> and save.</List.Item>
    </GuideCard>
  );
}
