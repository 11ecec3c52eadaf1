// Stand-ins for what a desktop session offers on its D-Bus session bus and the private test bus
// lacks: a tray host (org.kde.StatusNotifierWatcher, which tray icons register with) and a
// notification server (org.freedesktop.Notifications). Both record what the app sends them.

import dbus from 'dbus-next';

const { Interface, ACCESS_READ } = dbus.interface;

class StatusNotifierWatcher extends Interface {
  constructor() {
    super('org.kde.StatusNotifierWatcher');
    this.items = [];
  }

  RegisterStatusNotifierItem(service) {
    this.items.push(service);
    this.StatusNotifierItemRegistered(service);
  }

  RegisterStatusNotifierHost() {}

  StatusNotifierItemRegistered(service) {
    return service;
  }

  get RegisteredStatusNotifierItems() {
    return this.items;
  }

  get IsStatusNotifierHostRegistered() {
    return true;
  }

  get ProtocolVersion() {
    return 0;
  }
}

StatusNotifierWatcher.configureMembers({
  methods: {
    RegisterStatusNotifierItem: { inSignature: 's', outSignature: '' },
    RegisterStatusNotifierHost: { inSignature: 's', outSignature: '' },
  },
  signals: { StatusNotifierItemRegistered: { signature: 's' } },
  properties: {
    RegisteredStatusNotifierItems: { signature: 'as', access: ACCESS_READ },
    IsStatusNotifierHostRegistered: { signature: 'b', access: ACCESS_READ },
    ProtocolVersion: { signature: 'i', access: ACCESS_READ },
  },
});

class Notifications extends Interface {
  constructor() {
    super('org.freedesktop.Notifications');
    this.sent = [];
  }

  Notify(appName, replacesId, icon, summary, body) {
    this.sent.push({ appName, summary, body });
    return this.sent.length;
  }

  GetCapabilities() {
    return ['body'];
  }

  GetServerInformation() {
    return ['scimdesk-e2e', 'scimdesk', '1', '1.2'];
  }

  CloseNotification() {}
}

Notifications.configureMembers({
  methods: {
    Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
    GetCapabilities: { inSignature: '', outSignature: 'as' },
    GetServerInformation: { inSignature: '', outSignature: 'ssss' },
    CloseNotification: { inSignature: 'u', outSignature: '' },
  },
});

/** The labelled entries of a dbusmenu layout (`[id, properties, children]`), depth first. */
function menuEntries([id, props, children]) {
  const own = props.label ? [{ id, label: props.label.value }] : [];
  return own.concat(...children.map((child) => menuEntries(child.value)));
}

/**
 * Serve a tray host and a notification server on the session bus. Returns `trayItems` (what
 * registered with the tray host), `notifications` (what was shown), `trayMenu()` (the labels
 * of the newest registered item's menu, read over the bus as a tray host does), `trayClick(label)`,
 * `trayIconFile()` and `stop()`.
 */
export async function startDesktopServices() {
  const bus = dbus.sessionBus();
  const watcher = new StatusNotifierWatcher();
  const notifications = new Notifications();
  // Who registered: items name themselves by object path; their bus name is the call's sender.
  const senders = [];
  bus.addMethodHandler((msg) => {
    if (msg.member === 'RegisterStatusNotifierItem') senders.push(msg.sender);
    return false;
  });
  // The newest item is the one shown: on Linux the app and its tray program replace each other
  // in one process (exec), and each registers its item anew.
  const itemProperty = async (name) => {
    const registered = watcher.items.at(-1);
    const sender = senders.at(-1);
    const [service, itemPath] = registered.startsWith('/') ? [sender, registered] : [registered, '/StatusNotifierItem'];
    const item = await bus.getProxyObject(service, itemPath);
    return { service, value: (await item.getInterface('org.freedesktop.DBus.Properties').Get('org.kde.StatusNotifierItem', name)).value };
  };
  /** The icon file the item shows: IconName is a file's path, or a name in IconThemePath. */
  const trayIconFile = async () => {
    const { value: name } = await itemProperty('IconName');
    return name.startsWith('/') ? name : `${(await itemProperty('IconThemePath')).value}/${name}.png`;
  };
  const menuOfItem = async () => {
    const { service, value: menuPath } = await itemProperty('Menu');
    const menu = (await bus.getProxyObject(service, menuPath)).getInterface('com.canonical.dbusmenu');
    const [, layout] = await menu.GetLayout(0, -1, []);
    return { menu, entries: menuEntries(layout) };
  };
  /** The labels of the newest item's menu; none while that item has gone from the bus (the
   *  process is changing program, and the next one has not registered yet). */
  const trayMenu = async () => {
    try {
      return (await menuOfItem()).entries.map((e) => e.label);
    } catch (e) {
      if (e.type === 'org.freedesktop.DBus.Error.ServiceUnknown') return [];
      throw e;
    }
  };
  /** Click the menu entry labelled `label`, as a tray host does when the admin chooses it. */
  const trayClick = async (label) => {
    const { menu, entries } = await menuOfItem();
    const entry = entries.find((e) => e.label === label);
    if (!entry) throw new Error(`no tray menu entry ${label}: ${entries.map((e) => e.label)}`);
    await menu.Event(entry.id, 'clicked', new dbus.Variant('s', ''), 0);
  };
  bus.export('/StatusNotifierWatcher', watcher);
  bus.export('/org/freedesktop/Notifications', notifications);
  for (const name of ['org.kde.StatusNotifierWatcher', 'org.freedesktop.Notifications']) {
    const reply = await bus.requestName(name, dbus.NameFlag.DO_NOT_QUEUE);
    if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) throw new Error(`${name} is already served on this bus`);
  }
  return {
    trayItems: watcher.items,
    notifications: notifications.sent,
    trayMenu,
    trayClick,
    trayIconFile,
    stop: () => bus.disconnect(),
  };
}
