#define _GNU_SOURCE
#include "spawn_peak.h"
#include <sched.h>
#include <stddef.h>
#include <sys/ptrace.h>

int kdnet_spawn_seize_for_exit(pid_t pid) {
    return ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT) == 0 ? 0 : -1;
}

int kdnet_spawn_continue(pid_t pid, int signal) {
    return ptrace(PTRACE_CONT, pid, NULL, (void *)(long)signal) == 0 ? 0 : -1;
}

int kdnet_spawn_exit_event(void) { return PTRACE_EVENT_EXIT; }

static cpu_set_t before;
static int pinned;

int kdnet_spawn_pin_here(void) {
    int cpu = sched_getcpu();
    if (cpu < 0 || sched_getaffinity(0, sizeof before, &before) != 0) return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) return -1;
    pinned = 1;
    return cpu;
}

void kdnet_spawn_unpin(void) {
    if (pinned) sched_setaffinity(0, sizeof before, &before);
    pinned = 0;
}
