import type { SourceSummary } from '../../bindings';
import { EntraGuide } from './EntraGuide';
import { OktaGuide } from './OktaGuide';
import { OneLoginGuide } from './OneLoginGuide';
import { OtherGuide } from './OtherGuide';

/** The setup steps for the identity provider the source was created for. */
export function ProviderGuide({ source }: { source: SourceSummary }) {
  switch (source.provider) {
    case 'okta':
      return <OktaGuide source={source} />;
    case 'onelogin':
      return <OneLoginGuide source={source} />;
    case 'other':
      return <OtherGuide source={source} />;
    case 'entra':
      return <EntraGuide source={source} />;
  }
}
