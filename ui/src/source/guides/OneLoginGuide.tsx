import { Code, List } from '@mantine/core';

import type { SourceSummary } from '../../bindings';
import { GuideCard } from './GuideCard';

/** What OneLogin's SCIM v2 Core connector sends for a user: paste it as the SCIM JSON Template. */
const ONELOGIN_JSON_TEMPLATE = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": "{$parameters.scimusername}",
  "name": {
    "givenName": "{$user.firstname}",
    "familyName": "{$user.lastname}",
    "formatted": "{$user.display_name}"
  },
  "emails": [{ "value": "{$user.email}", "type": "work", "primary": true }]
}`;

/** The steps in the OneLogin admin portal, with the exact field names and values. */
export function OneLoginGuide({ source }: { source: SourceSummary }) {
  return (
    <GuideCard
      source={source}
      title="Connect OneLogin"
      provider="OneLogin"
      field="SCIM Base URL"
      testId="onelogin-guide"
      note={<>Changes made in OneLogin wait on its Users tab as “Pending” until approved, unless approval is turned off on the Provisioning tab.</>}
    >
      <List.Item>In the OneLogin admin portal: <b>Applications</b> → <b>Applications</b> → <b>Add App</b>, search for <b>SCIM Provisioner with SAML (SCIM v2 Core)</b> (or <b>SCIM v2 Enterprise</b>) and <b>Save</b>.</List.Item>
      <List.Item>On the <b>Configuration</b> tab, fill in:
        <List withPadding size="sm" spacing={2} mt={4}>
          <List.Item>SCIM Base URL: <Code>{source.scimBaseUrl}</Code></List.Item>
          <List.Item>SCIM Bearer Token: click <b>Copy token</b> above and paste it.</List.Item>
          <List.Item>SCIM JSON Template: keep the connector's default, or paste:
            <Code block mt={4}>{ONELOGIN_JSON_TEMPLATE}</Code>
            Custom user fields can go in a schema of their own (add its URN to <Code>schemas</Code>): ScimDesk keeps it as sent.
          </List.Item>
        </List>
      </List.Item>
      <List.Item>Under <b>API Connection</b>, click <b>Enable</b>. The Activity tab shows OneLogin's first request (a user query that matches nobody).</List.Item>
      <List.Item>On the <b>Provisioning</b> tab: tick <b>Enable provisioning</b>, choose what happens when a user is deleted or loses the app (<b>Delete</b> or <b>Suspend</b>), and <b>Save</b>.</List.Item>
      <List.Item>For groups: on <b>Parameters</b>, tick <b>Include in User Provisioning</b> for <b>Groups</b>; then assign users on the <b>Users</b> tab (or by roles and rules).</List.Item>
    </GuideCard>
  );
}
