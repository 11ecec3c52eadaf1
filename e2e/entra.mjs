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
