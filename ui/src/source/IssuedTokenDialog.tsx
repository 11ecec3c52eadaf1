import { Alert, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';

import { api, type ApiError } from '../api';
import type { IssuedTokenView } from '../bindings';

/** A token just issued (create or rotate), shown this once, with a copy button. */
export function IssuedTokenDialog({ issued, title, onClose }: { issued: IssuedTokenView | null; title: string; onClose: () => void }) {
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  const copy = async () => {
    if (!issued) return;
    try {
      const outcome = await api.copySecret(issued.token);
      setNote(outcome.copied
        ? { ok: true, text: `Copied. The clipboard is cleared in ${outcome.clearAfterSeconds} s.` }
        : { ok: false, text: `${outcome.reason ?? 'The clipboard cannot be used.'} Select the token above and copy it by hand.` });
    } catch (e) {
      setNote({ ok: false, text: (e as ApiError).message });
    }
  };

  return (
    <Modal opened={issued !== null} onClose={() => { setNote(null); onClose(); }} title={title} size="lg">
      {issued && (
        <Stack>
          {issued.keychainWarning && (
            <Alert color="orange" title="The keychain could not keep this token" data-testid="keychain-warning">
              {issued.keychainWarning.charAt(0).toUpperCase() + issued.keychainWarning.slice(1)}
            </Alert>
          )}
          <Text size="sm">
            The Secret Token for <b>{issued.source.name}</b>. Paste it into Entra ID's <i>Secret Token</i> field.
            {issued.keychainWarning ? '' : ' It is kept in your OS keychain; “Copy token” on the source page copies it again.'}
          </Text>
          <Code block style={{ userSelect: 'all', wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="issued-token">
            {issued.token}
          </Code>
          {note && <Text size="sm" c={note.ok ? 'green' : 'red'}>{note.text}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => void copy()} data-testid="issued-copy">Copy token</Button>
            <Button onClick={() => { setNote(null); onClose(); }} data-testid="issued-done">Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
