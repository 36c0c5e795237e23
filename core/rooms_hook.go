package core

// WatchRooms makes the adapter call fn when a room gets its first member
// (created true) and when it loses its last (created false); private
// reports that the room is named after a socket of this adapter (a
// socket's own room, or a room named after another local socket's id), as
// Node.js's adapter tells public rooms from private ones. Cluster adapters
// use it to subscribe to a channel per room (the sharded Redis adapter's
// dynamic subscription mode).
//
// fn runs with the adapter's lock held, in the order the rooms change: it
// must not block nor call the adapter. Call WatchRooms before the adapter
// is in use (in ClientManager.NewAdapter); nil stops the calls.
func (a *MemoryAdapter) WatchRooms(fn func(room string, created, private bool)) {
	a.mu.Lock()
	a.roomHook = fn
	a.mu.Unlock()
}
