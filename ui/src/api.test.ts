import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
const listen = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...a: unknown[]) => listen(...a) }));

const { api, ApiError, toApiError } = await import('./api');

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe('api', () => {
  it('passes arguments in the shape the commands take', async () => {
    invoke.mockResolvedValue({});
    await api.rotateToken('entra', 60);
    expect(invoke).toHaveBeenCalledWith('rotate_token', { slug: 'entra', overlapMinutes: 60 });
    await api.rotateToken('entra', 0);
    expect(invoke).toHaveBeenLastCalledWith('rotate_token', { slug: 'entra', overlapMinutes: null });
    await api.createSource('Entra ID', '  ');
    expect(invoke).toHaveBeenLastCalledWith('create_source', { name: 'Entra ID', slug: null });
    await api.search('entra', 'user', 'ada', 50, 50);
    expect(invoke).toHaveBeenLastCalledWith('search_directory', { slug: 'entra', resource: 'user', text: 'ada', offset: 50, limit: 50 });
  });

  it('turns a {kind, message} rejection into an ApiError with a sentence', async () => {
    invoke.mockRejectedValue({ kind: 'slugTaken', message: 'a source with the slug "entra" already exists; choose another slug' });
    const err = await api.createSource('Entra', 'entra').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe('slugTaken');
    expect(err.message).toBe('A source with the slug "entra" already exists; choose another slug.');
  });

  it('turns other rejections into readable errors', () => {
    expect(toApiError('command not found').message).toBe('Command not found.');
    expect(toApiError(new Error('boom')).kind).toBe('unknown');
    expect(toApiError(42).message).toBe('Something went wrong.');
  });

  it('hands the payload of event batches to the handler', async () => {
    listen.mockImplementation(async (_name: string, cb: (e: { payload: unknown }) => void) => {
      cb({ payload: { events: [], missed: 2 } });
      return () => {};
    });
    const seen: unknown[] = [];
    await api.onProvisioning((b) => seen.push(b));
    expect(listen).toHaveBeenCalledWith('provisioning', expect.any(Function));
    expect(seen).toEqual([{ events: [], missed: 2 }]);
  });
});
