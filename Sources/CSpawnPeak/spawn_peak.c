#include "spawn_peak.h"
#include <stddef.h>
#include <sys/ptrace.h>

int kdnet_spawn_seize_for_exit(pid_t pid) {
    return ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT) == 0 ? 0 : -1;
}

int kdnet_spawn_continue(pid_t pid, int signal) {
    return ptrace(PTRACE_CONT, pid, NULL, (void *)(long)signal) == 0 ? 0 : -1;
}

int kdnet_spawn_exit_event(void) { return PTRACE_EVENT_EXIT; }
