import { describe, expect, it } from 'vitest';

import { flattenAttributes, kindOfChange, latency, minutesAgo, minutesAgoChangesAt, primaryEmail, sentence, servedBy, suggestNextPort, timeAgo } from './format';

describe('sentence', () => {
  it('capitalises an engine message and ends it with a full stop', () => {
    expect(sentence('the slug "x" is taken; choose another slug')).toBe('The slug "x" is taken; choose another slug.');
  });
  it('keeps existing final punctuation', () => {
    expect(sentence('Unlock it and try again.')).toBe('Unlock it and try again.');
  });
  it('never returns an empty message', () => {
    expect(sentence('  ')).toBe('Something went wrong.');
  });
});

describe('timeAgo', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  it.each([
    ['2025-01-01T11:59:58Z', 'just now'],
    ['2025-01-01T11:59:18Z', '42 s ago'],
    ['2025-01-01T11:55:00Z', '5 min ago'],
    ['2025-01-01T09:00:00Z', '3 h ago'],
  ])('%s reads as %s', (iso, expected) => {
    expect(timeAgo(iso, now)).toBe(expected);
  });
  it('says never for a missing time', () => {
    expect(timeAgo(null, now)).toBe('never');
  });
});

describe('minutesAgo', () => {
  const then = '2025-01-01T12:00:00Z';
  const at = (seconds: number) => Date.parse(then) + seconds * 1000;
  it('reads like timeAgo, but under a minute without the seconds', () => {
    expect(minutesAgo(then, at(2))).toBe('just now');
    expect(minutesAgo(then, at(42))).toBe('less than a minute ago');
    expect(minutesAgo(then, at(5 * 60 + 10))).toBe('5 min ago');
    expect(minutesAgo(then, at(3 * 3600))).toBe('3 h ago');
    expect(minutesAgo(null, at(0))).toBe('never');
  });
  it('says when it next reads differently: at 5 s, at the minute, then each minute and each hour', () => {
    expect(minutesAgoChangesAt(then, at(0))).toBe(at(4.5));
    expect(minutesAgoChangesAt(then, at(4.5))).toBe(at(59.5));
    expect(minutesAgoChangesAt(then, at(59.4))).toBe(at(59.5));
    expect(minutesAgoChangesAt(then, at(59.5))).toBe(at(119.5));
    expect(minutesAgoChangesAt(then, at(59 * 60 + 59.5))).toBe(at(2 * 3600 - 0.5));
    expect(minutesAgoChangesAt(then, at(24 * 3600))).toBeNull();
    expect(minutesAgoChangesAt(null, at(0))).toBeNull();
  });
  it('changes only at the times it announces', () => {
    let now = at(-3);
    for (let step = 0; step < 200; step++) {
      const next = minutesAgoChangesAt(then, now);
      if (next === null) break;
      expect(minutesAgo(then, next - 1)).toBe(minutesAgo(then, now));
      expect(minutesAgo(then, next)).not.toBe(minutesAgo(then, now));
      now = next;
    }
  });
});

describe('request kinds', () => {
  it('groups changes the way the chart shows them', () => {
    expect(kindOfChange({ type: 'userDisabled' })).toBe('users');
    expect(kindOfChange({ type: 'membersChanged', added: 2, removed: 0 })).toBe('groups');
    expect(kindOfChange({ type: 'refused' })).toBe('refused');
    expect(kindOfChange({ type: 'tokenRotated' })).toBe('source');
  });
});

describe('details helpers', () => {
  it('flattens nested attributes into paths', () => {
    const rows = flattenAttributes({ name: { givenName: 'Ada' }, emails: [{ value: 'a@x', primary: true }], active: false });
    expect(rows).toEqual([
      ['name.givenName', 'Ada'],
      ['emails[0].value', 'a@x'],
      ['emails[0].primary', 'true'],
      ['active', 'false'],
    ]);
  });
  it('prefers the primary email, then the work one', () => {
    expect(primaryEmail({ emails: [{ type: 'home', value: 'h@x' }, { type: 'work', value: 'w@x' }] })).toBe('w@x');
    expect(primaryEmail({ emails: [{ type: 'work', value: 'w@x' }, { value: 'p@x', primary: true }] })).toBe('p@x');
    expect(primaryEmail({})).toBe('');
  });
  it('formats latency', () => {
    expect(latency(0.2)).toBe('<1 ms');
    expect(latency(12.4)).toBe('12 ms');
    expect(latency(1500)).toBe('1.5 s');
  });
  it('suggests the next port for a taken address', () => {
    expect(suggestNextPort('127.0.0.1:7643')).toBe('127.0.0.1:7644');
    expect(suggestNextPort('[::1]:8080')).toBe('[::1]:8081');
    expect(suggestNextPort('nonsense')).toBe('nonsense');
  });
});

describe('servedBy', () => {
  const base = {
    starting: false, listening: null, requested: null, error: null, publicUrl: null, bindFromEnvironment: false,
    attached: true, serviceStopped: false,
  };
  it('names the background service and where it listens', () => {
    expect(servedBy({ ...base, servedBy: { kind: 'service', pid: 7, listening: '127.0.0.1:7643' } }))
      .toBe('Served by the background service on 127.0.0.1:7643');
  });
  it('names another window, and leaves out an address not known yet', () => {
    expect(servedBy({ ...base, servedBy: { kind: 'window', pid: 7, listening: null } })).toBe('Served by another ScimDesk window');
    expect(servedBy({ ...base, servedBy: { kind: 'tray', pid: 7, listening: null } })).toBe('Served by ScimDesk in the tray');
    expect(servedBy({ ...base, servedBy: null })).toBe('Served by the background service');
  });
});
