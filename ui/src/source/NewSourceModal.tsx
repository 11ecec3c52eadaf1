import { Button, Group, Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';

import { api, toApiError } from '../api';
import type { IdentityProvider, IssuedTokenView } from '../bindings';
import { PROVIDERS, providerInfo } from './providers';

interface Props {
  opened: boolean;
  onClose: () => void;
  onCreated: (issued: IssuedTokenView) => void;
}

/**
 * The identity provider, name and slug of a new source; the slug follows the name until the admin
 * edits it. The provider only chooses the setup guide: every source accepts every provider's requests.
 */
export function NewSourceModal({ opened, onClose, onCreated }: Props) {
  // The form mounts when the modal opens, so each opening starts empty.
  return (
    <Modal opened={opened} onClose={onClose} title="New Source" size="lg">
      <NewSourceForm onClose={onClose} onCreated={onCreated} />
    </Modal>
  );
}

function NewSourceForm({ onClose, onCreated }: Omit<Props, 'opened'>) {
  const [provider, setProvider] = useState<IdentityProvider>('entra');
  const [name, setName] = useState('');
  const [editedSlug, setEditedSlug] = useState<string | null>(null);
  /** The engine's suggestion for `name`; stays until the next one arrives. */
  const [suggestion, setSuggestion] = useState('');
  const [errors, setErrors] = useState<{ name?: string; slug?: string; other?: string }>({});
  const [busy, setBusy] = useState(false);
  const slug = editedSlug ?? (name.trim() ? suggestion : '');

  useEffect(() => {
    if (editedSlug !== null || !name.trim()) return;
    let current = true;
    api.suggestSlug(name).then((s) => { if (current) setSuggestion(s); }, () => {});
    return () => { current = false; };
  }, [name, editedSlug]);

  const create = async () => {
    setBusy(true);
    setErrors({});
    try {
      onCreated(await api.createSource(name, slug, provider));
    } catch (e) {
      const err = toApiError(e);
      if (err.kind === 'invalidSlug' || err.kind === 'slugTaken') setErrors({ slug: err.message });
      else if (err.kind === 'invalidInput') setErrors({ name: err.message });
      else setErrors({ other: err.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => { e.preventDefault(); void create(); }}>
      <Stack>
        <Stack gap={4}>
          <Text size="sm" fw={500}>Identity provider</Text>
          <Text size="xs" c="dimmed">Which service provisions this source; its Overview then shows that service's setup steps.</Text>
          <SegmentedControl
            value={provider}
            onChange={setProvider}
            data={PROVIDERS.map((p) => ({ value: p.value, label: p.value === 'other' ? 'Other' : p.label }))}
            data-testid="source-provider"
          />
        </Stack>
        <TextInput
          label="Name"
          description={`What you call this identity provider, for example “${providerInfo(provider).suggestedName}”.`}
          placeholder={providerInfo(provider).suggestedName}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
          data-autofocus
          data-testid="source-name"
        />
        <TextInput
          label="Slug"
          description="Part of the SCIM Base URL: lower-case letters, digits and hyphens."
          value={slug}
          onChange={(e) => setEditedSlug(e.currentTarget.value)}
          error={errors.slug}
          data-testid="source-slug"
        />
        {errors.other && <Text c="red" size="sm">{errors.other}</Text>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={busy} data-testid="create-source">Create</Button>
        </Group>
      </Stack>
    </form>
  );
}
