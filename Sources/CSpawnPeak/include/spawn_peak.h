#ifndef KDNET_SPAWN_PEAK_H
#define KDNET_SPAWN_PEAK_H
#include <sys/types.h>

// ptrace is variadic, so Swift cannot call it: these are the three uses the benchmarks
// make of it, to read a child's own peak memory just before it exits.

/// Attaches to `pid` (a child just spawned) so that it stops before exiting; 0 on success.
int kdnet_spawn_seize_for_exit(pid_t pid);
/// Resumes a stopped child, delivering `signal` (0 for none); 0 on success.
int kdnet_spawn_continue(pid_t pid, int signal);
/// The event number of a stop before exit in a wait status (`status >> 16`).
int kdnet_spawn_exit_event(void);

#endif
