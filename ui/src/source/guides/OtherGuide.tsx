import { Code, List } from '@mantine/core';

import type { SourceSummary } from '../../bindings';
import { GuideCard } from './GuideCard';

/** What any SCIM 2.0 client needs: the base URL, the bearer token, and what ScimDesk accepts. */
export function OtherGuide({ source }: { source: SourceSummary }) {
  return (
    <GuideCard
      source={source}
      title="Connect a SCIM client"
      provider="A cloud service"
      field="SCIM base URL"
      testId="other-guide"
      note={<>Users and groups, filters, PATCH, PUT, paging, sorting and <Code>POST .search</Code> are supported; bulk is not. <Code>/ServiceProviderConfig</Code> says the rest.</>}
    >
      <List.Item>SCIM base URL (SCIM 2.0, RFC 7644): <Code>{source.scimBaseUrl}</Code></List.Item>
      <List.Item>Authentication: an HTTP header <Code>Authorization: Bearer &lt;token&gt;</Code>; click <b>Copy token</b> above.</List.Item>
      <List.Item>Users are matched by <Code>userName</Code> (unique, in any letter case); groups by <Code>displayName</Code>.</List.Item>
    </GuideCard>
  );
}
