import { Code, List, Paper, Text, Title } from '@mantine/core';

import type { SourceSummary } from '../../bindings';
import { LocalAddressAlert } from './LocalAddressAlert';

/** What any SCIM 2.0 client needs: the base URL, the bearer token, and what ScimDesk accepts. */
export function OtherGuide({ source }: { source: SourceSummary }) {
  return (
    <Paper withBorder p="md" data-testid="other-guide">
      <Title order={5} mb="xs">Connect a SCIM client</Title>
      <LocalAddressAlert source={source} provider="A cloud service" field="SCIM base URL" />
      <List type="ordered" spacing="xs" size="sm">
        <List.Item>SCIM base URL (SCIM 2.0, RFC 7644): <Code>{source.scimBaseUrl}</Code></List.Item>
        <List.Item>Authentication: an HTTP header <Code>Authorization: Bearer &lt;token&gt;</Code>; click <b>Copy token</b> above.</List.Item>
        <List.Item>Users are matched by <Code>userName</Code> (unique, in any letter case); groups by <Code>displayName</Code>.</List.Item>
      </List>
      <Text size="xs" c="dimmed" mt="xs">Users and groups, filters, PATCH, PUT, paging, sorting and <Code>POST /Users/.search</Code> are supported; bulk is not. <Code>/ServiceProviderConfig</Code> says the rest.</Text>
    </Paper>
  );
}
