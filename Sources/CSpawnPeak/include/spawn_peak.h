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

// CPU_SET and friends are macros, which Swift cannot call either.

/// Pins the calling thread, and so every child it spawns from now on, to the CPU it is
/// running on; that CPU, or -1 (nothing changed).
int kdnet_spawn_pin_here(void);
/// Undoes `kdnet_spawn_pin_here`: the thread may run on the CPUs it could before.
void kdnet_spawn_unpin(void);

#endif
