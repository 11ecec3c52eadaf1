// Request bodies in the shapes Microsoft Entra ID sends (see docs ENTRA.md).

export function entraUser(userName, givenName, familyName, externalId) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId,
    userName,
    active: true,
    displayName: `${givenName} ${familyName}`,
    title: 'Engineer',
    preferredLanguage: 'en-US',
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: `${givenName} ${familyName}`, familyName, givenName },
    addresses: [{ type: 'work', formatted: '1 Main St', locality: 'Redmond', country: 'US' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: externalId, department: 'Sales' },
    meta: { resourceType: 'User' },
    roles: [],
  };
}

export function entraGroup(displayName, externalId) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    externalId,
    displayName,
    meta: { resourceType: 'Group' },
  };
}

export function addMembers(...ids) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }],
  };
}

export const disable = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
};

/**
 * One provisioning cycle as Entra ID runs it, against `baseUrl` (127.0.0.1 only) with `token`:
 * for each of `users` users a `userName eq` query, then a POST when it is absent or a PATCH
 * (a changed title, as in a later cycle) when present; then `groups` groups, each looked up by
 * `displayName eq` (members excluded), created when absent, and given its members in one PATCH.
 * `concurrency` requests are in flight at a time (Entra sends several at once). Returns how many
 * requests were sent and any answer that was not the expected one.
 */
export async function entraCycle(baseUrl, token, { users = 150, groups = 5, cycle = 1, concurrency = 4 } = {}) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(baseUrl)) throw new Error(`test traffic goes to 127.0.0.1 only, not ${baseUrl}`);
  let sent = 0;
  const problems = [];
  const call = async (method, path, body, expect) => {
    sent++;
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) problems.push(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  };
  const eq = (attr, value) => encodeURIComponent(`${attr} eq "${value}"`);
  const pool = async (items, work) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }));
  };

  const ids = new Array(users);
  await pool([...Array(users).keys()], async (i) => {
    const n = String(i).padStart(4, '0');
    const userName = `bench.user${n}@contoso.com`;
    const found = await call('GET', `/Users?filter=${eq('userName', userName)}`, undefined, [200]);
    const existing = found?.Resources?.[0];
    if (existing) {
      ids[i] = existing.id;
      await call('PATCH', `/Users/${existing.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'title', value: `Engineer (cycle ${cycle})` }],
      }, [200, 204]);
    } else {
      const created = await call('POST', '/Users', entraUser(userName, `Bench${n}`, `User${n}`, `bench-${n}`), [201]);
      ids[i] = created?.id;
    }
  });
  await pool([...Array(groups).keys()], async (g) => {
    const displayName = `Bench Team ${g + 1}`;
    const found = await call('GET', `/Groups?excludedAttributes=members&filter=${eq('displayName', displayName)}`, undefined, [200]);
    const id = found?.Resources?.[0]?.id ?? (await call('POST', '/Groups', entraGroup(displayName, `bench-team-${g + 1}`), [201]))?.id;
    const members = ids.filter((m, i) => m && i % groups === g);
    if (id && members.length) await call('PATCH', `/Groups/${id}`, addMembers(...members), [200, 204]);
  });
  return { sent, problems };
}
