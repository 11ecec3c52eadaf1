import { Code, List } from '@mantine/core';

import type { SourceSummary } from '../../bindings';
import { GuideCard } from './GuideCard';

/** The steps in the Okta Admin Console, with the exact field names and values. */
export function OktaGuide({ source }: { source: SourceSummary }) {
  return (
    <GuideCard
      source={source}
      title="Connect Okta"
      provider="Okta"
      field="SCIM connector base URL"
      testId="okta-guide"
      note={<>Okta provisions as changes happen, not in cycles. A password Okta sends (“Sync Password”) is accepted and never kept: ScimDesk signs nobody in.</>}
    >
      <List.Item>In the Okta Admin Console: <b>Applications</b> → <b>Applications</b> → <b>Create App Integration</b> → <b>SAML 2.0</b> (or OIDC), and finish the wizard.</List.Item>
      <List.Item>On the app's <b>General</b> tab: <b>App Settings</b> → <b>Edit</b> → Provisioning: <b>SCIM</b> → <b>Save</b>.</List.Item>
      <List.Item>On the new <b>Provisioning</b> tab: <b>Integration</b> → <b>Edit</b>, and fill in:
        <List withPadding size="sm" spacing={2} mt={4}>
          <List.Item>SCIM connector base URL: <Code>{source.scimBaseUrl}</Code></List.Item>
          <List.Item>Unique identifier field for users: <Code>userName</Code></List.Item>
          <List.Item>Supported provisioning actions: <b>Push New Users</b>, <b>Push Profile Updates</b>, <b>Push Groups</b> (and <b>Import New Users and Profile Updates</b> if you want Okta to read them back)</List.Item>
          <List.Item>Authentication Mode: <b>HTTP Header</b></List.Item>
          <List.Item>Authorization (Bearer): click <b>Copy token</b> above and paste it.</List.Item>
        </List>
      </List.Item>
      <List.Item><b>Test Connector Configuration</b>, then <b>Save</b>. The Activity tab shows Okta's test requests (a list of two users).</List.Item>
      <List.Item><b>Provisioning</b> → <b>To App</b> → <b>Edit</b>: enable <b>Create Users</b>, <b>Update User Attributes</b> and <b>Deactivate Users</b>; save.</List.Item>
      <List.Item>On <b>Assignments</b>, assign people or groups; on <b>Push Groups</b>, choose the groups whose members Okta keeps in step.</List.Item>
    </GuideCard>
  );
}
