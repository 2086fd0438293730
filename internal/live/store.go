package live

// The one statement of the hub: its connection's subscription to what the
// database's triggers announce on commit (migration 00032: live_notify).
const listenForChanges = "LISTEN zhdj_live"
