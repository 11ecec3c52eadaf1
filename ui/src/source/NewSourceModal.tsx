import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';

import { api, type ApiError } from '../api';
import type { IssuedToken } from '../types';

interface Props {
  opened: boolean;
  onClose: () => void;
  onCreated: (issued: IssuedToken) => void;
}

/** Name and slug of a new source; the slug follows the name until the admin edits it. */
export function NewSourceModal({ opened, onClose, onCreated }: Props) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [errors, setErrors] = useState<{ name?: string; slug?: string; other?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (opened) { setName(''); setSlug(''); setSlugEdited(false); setErrors({}); }
  }, [opened]);

  useEffect(() => {
    if (slugEdited) return;
    let current = true;
    if (!name.trim()) { setSlug(''); return; }
    api.suggestSlug(name).then((s) => { if (current) setSlug(s); }, () => {});
    return () => { current = false; };
  }, [name, slugEdited]);

  const create = async () => {
    setBusy(true);
    setErrors({});
    try {
      onCreated(await api.createSource(name, slug));
    } catch (e) {
      const err = e as ApiError;
      if (err.kind === 'invalidSlug' || err.kind === 'slugTaken') setErrors({ slug: err.message });
      else if (err.kind === 'invalidInput') setErrors({ name: err.message });
      else setErrors({ other: err.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New Source" size="lg">
      <form onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <Stack>
          <TextInput
            label="Name"
            description="What you call this identity provider, for example “Entra ID”."
            placeholder="Entra ID"
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
            onChange={(e) => { setSlug(e.currentTarget.value); setSlugEdited(true); }}
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
    </Modal>
  );
}
