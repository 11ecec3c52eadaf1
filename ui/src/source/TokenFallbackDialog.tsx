import { Alert, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';

/** When the clipboard refuses, the token is shown so it can be selected and copied by hand. */
export function TokenFallbackDialog({ value, onClose }: { value: { token: string; reason: string } | null; onClose: () => void }) {
  return (
    <Modal opened={value !== null} onClose={onClose} title="Copy the token by hand" size="lg">
      {value && (
        <Stack data-testid="token-fallback">
          <Alert color="orange">{value.reason}</Alert>
          <Text size="sm">Select the token below, copy it, and paste it into Entra ID's Secret Token field. Close this dialog when done.</Text>
          <Code block style={{ userSelect: 'all', wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="fallback-token">
            {value.token}
          </Code>
          <Group justify="flex-end"><Button onClick={onClose}>Done</Button></Group>
        </Stack>
      )}
    </Modal>
  );
}
