import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (e: { payload: unknown }) => void;
const invoke = vi.fn<(command: string, args?: Record<string, unknown>) => Promise<unknown>>();
const listen = vi.fn<(event: string, cb: Listener) => Promise<() => void>>();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (command: string, args?: Record<string, unknown>) => invoke(command, args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (event: string, cb: Listener) => listen(event, cb) }));

const { api, ApiError, toApiError } = await import('./api');

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

async function rejection(p: Promise<unknown>): Promise<InstanceType<typeof ApiError>> {
  const err: unknown = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as InstanceType<typeof ApiError>;
}

describe('api', () => {
  it('passes arguments in the shape the commands take', async () => {
    invoke.mockResolvedValue({});
    await api.rotateToken('entra', 60);
    expect(invoke).toHaveBeenCalledWith('rotate_token', { slug: 'entra', overlapMinutes: 60 });
    await api.rotateToken('entra', 0);
    expect(invoke).toHaveBeenLastCalledWith('rotate_token', { slug: 'entra', overlapMinutes: null });
    await api.createSource('Entra ID', '  ');
    expect(invoke).toHaveBeenLastCalledWith('create_source', { name: 'Entra ID', slug: null, provider: 'entra' });
    await api.createSource('Okta', 'okta', 'okta');
    expect(invoke).toHaveBeenLastCalledWith('create_source', { name: 'Okta', slug: 'okta', provider: 'okta' });
    invoke.mockResolvedValue({ total: 0, offset: 50, resources: [] });
    await api.search('entra', 'user', 'ada', 50, 50);
    expect(invoke).toHaveBeenLastCalledWith('search_directory', { slug: 'entra', resource: 'user', text: 'ada', offset: 50, limit: 50 });
  });

  it('turns a {kind, message} rejection into an ApiError with a sentence', async () => {
    invoke.mockRejectedValue({ kind: 'slugTaken', message: 'a source with the slug "entra" already exists; choose another slug' });
    const err = await rejection(api.createSource('Entra', 'entra'));
    expect(err.kind).toBe('slugTaken');
    expect(err.message).toBe('A source with the slug "entra" already exists; choose another slug.');
  });

  it('keeps only the kinds the shell defines', () => {
    expect(toApiError({ kind: 'keychain', message: 'locked' }).kind).toBe('keychain');
    expect(toApiError({ kind: 'toString', message: 'x' }).kind).toBe('unknown');
    expect(toApiError({ kind: 42, message: 'x' }).kind).toBe('unknown');
  });

  it('turns other rejections into readable errors', () => {
    expect(toApiError('command not found').message).toBe('Command not found.');
    expect(toApiError(new Error('boom')).kind).toBe('unknown');
    expect(toApiError(42).message).toBe('Something went wrong.');
  });

  it('hands on SCIM documents that have an id and refuses those that do not', async () => {
    invoke.mockResolvedValue({ total: 1, offset: 0, resources: [{ id: 'u1', userName: 'ada@contoso.com' }] });
    const page = await api.search('entra', 'user', '', 0, 50);
    expect(page.resources[0]).toEqual({ id: 'u1', userName: 'ada@contoso.com' });
    invoke.mockResolvedValue({ displayName: 'Sales' });
    const err = await rejection(api.groupDetails('entra', 'g1'));
    expect(err.message).toBe('ScimDesk sent a resource without an id.');
  });

  it('hands the payload of event batches to the handler', async () => {
    listen.mockImplementation((_name, cb) => {
      cb({ payload: { events: [], missed: 2 } });
      return Promise.resolve(() => {});
    });
    const seen: unknown[] = [];
    await api.onProvisioning((b) => seen.push(b));
    expect(listen).toHaveBeenCalledWith('provisioning', expect.any(Function));
    expect(seen).toEqual([{ events: [], missed: 2 }]);
    await api.onServerStatus(() => {});
    expect(listen).toHaveBeenLastCalledWith('server-status', expect.any(Function));
  });
});
