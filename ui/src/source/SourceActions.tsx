import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';

import { api, toApiError } from '../api';
import type { IssuedTokenView } from '../bindings';

const OVERLAPS = [
  { value: '0', label: 'No overlap: the current token stops working now' },
  { value: '60', label: '1 hour' },
  { value: '1440', label: '1 day' },
  { value: '10080', label: '7 days' },
];

export function RotateTokenModal({ opened, slug, onClose, onRotated }: {
  opened: boolean; slug: string; onClose: () => void; onRotated: (t: IssuedTokenView) => void;
}) {
  // The body mounts when the modal opens, so each opening starts without the last error.
  return (
    <Modal opened={opened} onClose={onClose} title="Rotate the token">
      <RotateTokenForm slug={slug} onClose={onClose} onRotated={onRotated} />
    </Modal>
  );
}

function RotateTokenForm({ slug, onClose, onRotated }: { slug: string; onClose: () => void; onRotated: (t: IssuedTokenView) => void }) {
  const [overlap, setOverlap] = useState('60');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const rotate = async () => {
    setBusy(true);
    try {
      onRotated(await api.rotateToken(slug, Number(overlap)));
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Text size="sm">A new token is issued and shown once. Keep the current one working for a while so provisioning continues until you have pasted the new token into Entra ID.</Text>
      <Select label="Keep the current token working for" data={OVERLAPS} value={overlap} onChange={(v) => setOverlap(v ?? '0')} allowDeselect={false} />
      {error && <Text c="red" size="sm">{error}</Text>}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button onClick={() => void rotate()} loading={busy} data-testid="rotate-confirm">Rotate</Button>
      </Group>
    </Stack>
  );
}

export function DeleteSourceModal({ opened, slug, onClose, onDeleted }: {
  opened: boolean; slug: string; onClose: () => void; onDeleted: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Delete the source">
      <DeleteSourceForm slug={slug} onClose={onClose} onDeleted={onDeleted} />
    </Modal>
  );
}

function DeleteSourceForm({ slug, onClose, onDeleted }: { slug: string; onClose: () => void; onDeleted: () => void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const remove = async () => {
    setBusy(true);
    try {
      await api.deleteSource(slug);
      onClose();
      onDeleted();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Text size="sm">Every user, group, membership and activity row of this source is deleted, and its token stops working. Type <b>{slug}</b> to confirm.</Text>
      <TextInput value={typed} onChange={(e) => setTyped(e.currentTarget.value)} placeholder={slug} data-testid="delete-confirm-slug" />
      {error && <Text c="red" size="sm">{error}</Text>}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button color="red" disabled={typed !== slug} onClick={() => void remove()} loading={busy} data-testid="delete-confirm">Delete</Button>
      </Group>
    </Stack>
  );
}
